"""gunicorn settings for Stride Screen (read from the working directory, or -c).

Sized from the machine unless WEB_CONCURRENCY says otherwise. Pages are
short, CPU-bound requests: synchronous workers, about two per core. The PDF
is the slow request (WeasyPrint, a few hundred milliseconds up to a few
seconds for a long narrative), so the timeout leaves it plenty of room while
still killing a stuck worker.
"""

import multiprocessing
import os

from config.logging import json_to_stdout


def whole_number(name: str, default: int, minimum: int = 1) -> int:
    """A whole number from the environment; empty means the default.

    gunicorn would print a traceback for a bad value: say what is wrong instead.
    """
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < minimum:
        raise SystemExit(
            f"gunicorn.conf.py: {name} must be a whole number of {minimum} or more, not {value!r}"
        )
    return int(value)


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{whole_number('PORT', 8000)}"

# An empty WEB_CONCURRENCY (as docker-compose passes when unset) means "size from the CPUs".
workers = whole_number("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
threads = 1

# Recycle workers to bound any slow memory growth (WeasyPrint, fonts, caches);
# the jitter keeps them from restarting all at once.
max_requests = whole_number("GUNICORN_MAX_REQUESTS", 1000, minimum=0)  # 0: never recycle
max_requests_jitter = 100

# A PDF render takes well under 10 s; 60 s only catches a stuck worker.
timeout = whole_number("GUNICORN_TIMEOUT", 60, minimum=0)  # 0: no timeout (gunicorn's meaning)
graceful_timeout = 30
keepalive = 5

# Load the app once, before forking: less memory, and a broken configuration
# stops the master at once instead of every worker in a loop.
preload_app = True

# Docker's overlay file system is slow for the heartbeat file.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True

# Requests are logged by the application (web.middleware.RequestLogMiddleware)
# without IP address or user agent; gunicorn's access log would write both.
accesslog = None
errorlog = "-"
loglevel = (os.environ.get("GUNICORN_LOG_LEVEL") or "info").lower()
loglevel = {"warn": "warning"}.get(loglevel, loglevel)
if loglevel not in ("debug", "info", "warning", "error", "critical"):
    raise SystemExit(
        "gunicorn.conf.py: GUNICORN_LOG_LEVEL must be debug, info, warning, error or critical, "
        f"not {loglevel!r}"
    )
logconfig_dict = json_to_stdout(
    root={"level": "WARNING", "handlers": []},
    loggers={
        # logconfig_dict replaces gunicorn's own set-up, loglevel included: pass it on.
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["console"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
)
