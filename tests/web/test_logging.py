"""Log lines are JSON and never carry an IP address, user agent, resume code or answer."""

import io
import json
import logging
import sys

import pytest
from django.db import OperationalError, connection
from django.test import Client

from config.logging import JsonFormatter
from screening.models import Submission
from tests.journey_helpers import EXPECTED_ANSWERS, code_of, complete_steps

ADDRESS = "198.51.100.23"
AGENT = "StrideTestAgent/7.3 (secret-device-model)"


@pytest.fixture
def log_lines():
    """Everything logged while the test runs, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [line for line in stream.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def runner(**kwargs) -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT, **kwargs)


OUTAGE = " ".join(["server", "unreachable", "at", ADDRESS])


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError(OUTAGE)


@pytest.mark.django_db
def test_a_full_journey_logs_no_address_agent_code_or_answer(log_lines, minimal_answers):
    first = runner()
    complete_steps(first)
    code = code_of(first)
    first.get("/check-your-answers/")
    assert first.post("/consent/", {"share_for_research": "on"}).status_code == 302
    first.get("/result/")
    submission = Submission.objects.get()
    first.get(f"/r/{submission.public_id}/summary.pdf")

    # Back with the code in another browser; a wrong code; a code in a URL that does not exist.
    second = runner()
    second.post("/resume/", {"code": code})
    second.get("/result/")
    second.post("/resume/", {"code": "ZZZZ-ZZZZ-ZZZZ-Z"})
    second.get(f"/resume/{code}/?code={code}")
    # A forged form, an oversized body, the API, and a database outage.
    runner(enforce_csrf_checks=True).post("/resume/", {"code": code})
    second.post("/step/safety/", data="x" * (300 * 1024), content_type="text/plain")
    second.post("/api/v1/score", data=json.dumps(minimal_answers), content_type="application/json")
    with connection.execute_wrapper(refuse_queries):
        assert second.post("/resume/", {"code": code}).status_code == 503
    second.post("/delete/", {"code": code})

    lines = log_lines()
    # One line per request at least, so the checks below have something to read.
    assert len(lines) >= 25
    records = [json.loads(line) for line in lines]
    assert all(set(r) >= {"date", "level", "logger", "message"} for r in records)
    assert any(r.get("status") == 503 for r in records)
    assert any(r.get("exception") == "OperationalError" for r in records)

    text = "\n".join(lines)
    forbidden = [ADDRESS, "StrideTestAgent", "secret-device-model", code, str(submission.public_id)]
    forbidden.append("-".join(code[i : i + 4] for i in range(0, len(code), 4)))
    forbidden += [v for v in EXPECTED_ANSWERS.values() if isinstance(v, str) and len(v) > 3]
    forbidden += ["hamstrings", "flops", OUTAGE]
    for value in forbidden:
        assert value not in text, value


def record(msg="hello", exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("screening.test", logging.ERROR, __file__, 1, msg, (), exc_info)
    made.__dict__.update(extra)
    return made


def test_a_line_is_one_json_object_with_the_day_and_no_time():
    line = JsonFormatter().format(record("two\nlines"))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "two\nlines"
    assert len(parsed["date"]) == 10 and "T" not in parsed["date"]
    assert "time" not in parsed and "asctime" not in parsed


def test_an_exception_is_logged_by_type_and_frames_never_its_message():
    code = "-".join(["ABCD", "EFGH", "JKMN", "P"])  # a value, so not in the source line
    try:
        raise ValueError(f"the answer was {code}")
    except ValueError:
        made = record(exc_info=sys.exc_info())
    parsed = json.loads(JsonFormatter().format(made))
    assert parsed["exception"] == "ValueError"
    assert "test_logging.py" in parsed["traceback"]
    assert code not in json.dumps(parsed)


def test_extra_fields_outside_the_allowed_list_are_dropped():
    made = record(answers={"own_words": "private"}, duration_ms=3.5, remote_addr="192.0.2.1")
    parsed = json.loads(JsonFormatter().format(made))
    assert parsed["duration_ms"] == 3.5
    assert "answers" not in parsed and "remote_addr" not in parsed
    assert "private" not in json.dumps(parsed)


@pytest.mark.parametrize(
    ("message", "gone"),
    [
        ("Invalid request from ip=203.0.113.7: Invalid HTTP Header: 'Bad'", "203.0.113.7"),
        ("Invalid request from ip=2001:db8::7: Invalid HTTP Header: 'Bad'", "2001:db8::7"),
        ("Error handling request GET /r/0f1e2d3c/summary.pdf", "/r/0f1e2d3c/summary.pdf"),
        ("Invalid request from ip=[::1]: Invalid HTTP Header: 'User-Agent Mozilla/5.0'", "Mozilla"),
        ("Invalid HTTP Header: 'it\\'s Mozilla/5.0'", "Mozilla"),  # an escaped quote inside
    ],
)
def test_gunicorns_own_lines_lose_the_client_address_and_path(message, gone):
    made = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, message, None, None)
    parsed = json.loads(JsonFormatter().format(made))
    assert gone not in parsed["message"]
    assert parsed["message"].split(" ")[:2] == message.split(" ")[:2]


def test_gunicorns_listening_address_stays():
    message = "Listening at: http://127.0.0.1:8000 (12)"
    made = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, message, None, None)
    assert json.loads(JsonFormatter().format(made))["message"] == message


def test_another_librarys_line_keeps_its_template_but_not_what_a_runner_typed():
    """WeasyPrint names each character of the runner's words that no font has."""
    template = '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (%s)'
    made = logging.LogRecord(
        "weasyprint", logging.WARNING, __file__, 1, template, ("𠀀 my name", "U+20000"), None
    )
    parsed = json.loads(JsonFormatter().format(made))
    assert parsed["message"] == template
    assert "my name" not in json.dumps(parsed, ensure_ascii=False)
    ours = logging.LogRecord("screening.x", logging.INFO, __file__, 1, "saved %s", ("step",), None)
    assert json.loads(JsonFormatter().format(ours))["message"] == "saved step"
