"""Log lines as JSON, one object per line, with nothing that identifies a runner.

What a line may hold is decided here, by a fixed list of fields, not by the
caller: a log call that passes ``extra={"answers": ...}`` or a request object
still writes none of it. In particular:

- no IP address or user agent: the request object on Django's records is read
  only for its method and its *route pattern* (``result/<uuid:public_id>/``),
  never its path, query string or headers, so a resume code or an identifier in
  a URL never reaches the log;
- no answer or resume code: an exception is logged with its type and stack
  frames, not its message (a validation or database error message can quote the
  value that caused it);
- no time beyond the day: lines carry the date; their order gives the sequence;
- another library's line (WeasyPrint, fontTools...) keeps its message template
  but not its arguments, and gunicorn's lines lose the client's address, the
  path and anything gunicorn quotes from a bad request.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import traceback
from typing import Any

# Fields a caller may add with ``extra=``: operational numbers and names only.
ALLOWED_EXTRA = ("event", "status", "method", "route", "duration_ms", "limit", "count")


def route_of(request: Any) -> str:
    """The URL pattern that matched, without its values; never the path itself."""
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    return f"/{route}" if route is not None else "(unresolved)"


# gunicorn writes a client's address into some of its own lines ("Invalid request
# from ip=203.0.113.7: ...") and the requested path into others. Any other
# dotted address goes too, except one followed by a port: the address gunicorn
# listens on ("Listening at: http://127.0.0.1:8000").
_CLIENT_ADDRESS = re.compile(r"(?<=ip=)\S+|\b\d{1,3}(?:\.\d{1,3}){3}\b(?!:\d)")
_REQUESTED_PATH = re.compile(r"(?<=Error handling request).*", flags=re.S)
# What gunicorn quotes from a bad request ("Invalid HTTP Header: 'User-Agent ...'")
# is the client's own text.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _without_client_details(message: str) -> str:
    message = _QUOTED.sub("'[removed]'", _REQUESTED_PATH.sub("", message))
    return _CLIENT_ADDRESS.sub("[removed]", message)


# Loggers whose messages are written in full; they are ours or reviewed for what
# they say. Any other library's line keeps only its message template, without the
# arguments: WeasyPrint, for one, names each character of the runner's text that
# no font could draw.
FULL_MESSAGE_LOGGERS = ("screening", "config", "django")


def _is_full_message_logger(name: str) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in FULL_MESSAGE_LOGGERS)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "date": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .date()
            .isoformat(),
            "level": record.levelname,
            "logger": record.name,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            # Django's request loggers put the raw path in the message: say what
            # happened with the status and route instead.
            status = getattr(record, "status_code", None)
            line["message"] = f"{status or record.levelname} {request.method} {route_of(request)}"
            line["method"] = request.method
            line["route"] = route_of(request)
            if status is not None:
                line["status"] = status
        elif record.name.startswith("gunicorn"):
            line["message"] = _without_client_details(record.getMessage())
        elif _is_full_message_logger(record.name) or not record.args:
            line["message"] = record.getMessage()
        else:
            line["message"] = str(record.msg)
        for name in ALLOWED_EXTRA:
            if name in record.__dict__ and name not in line:
                line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exception"] = exc_type.__qualname__
            line["traceback"] = "".join(traceback.format_tb(tb))
        return json.dumps(line, ensure_ascii=False, default=str)


def json_to_stdout(*, root: dict[str, Any], loggers: dict[str, Any]) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes one JSON object per line to stdout.

    Django (``settings.LOGGING``) and gunicorn (``gunicorn.conf.py``) both use it,
    so every line the service prints has the same shape and the same filtering.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            }
        },
        "root": root,
        "loggers": loggers,
    }
