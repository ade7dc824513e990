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

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# An empty WEB_CONCURRENCY (as docker-compose passes when unset) means "size from the CPUs".
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
threads = 1

# Recycle workers to bound any slow memory growth (WeasyPrint, fonts, caches);
# the jitter keeps them from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = 100

# A PDF render takes well under 10 s; 60 s only catches a stuck worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5

# Load the app once, before forking: less memory, and a broken configuration
# stops the master at once instead of every worker in a loop.
preload_app = True

# Docker's overlay file system is slow for the heartbeat file.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True

# Requests are logged by the application (screening.middleware.RequestLogMiddleware)
# without IP address or user agent; gunicorn's access log would write both.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = json_to_stdout(
    root={"level": "WARNING", "handlers": []},
    loggers={
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
)
