"""Run the app as the image runs it: production settings, PostgreSQL, Redis, gunicorn.

The commands are the Dockerfile's own (a test checks they match), run from
the checkout with the virtualenv's Python. Used by the HTTP benchmarks and
by `make smoke` in CI.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# The same three commands as the Dockerfile (tests/test_deploy.py compares them).
COLLECTSTATIC = ["python", "manage.py", "collectstatic", "--noinput"]
MIGRATE = ["python", "manage.py", "migrate", "--noinput"]
GUNICORN = ["gunicorn", "config.wsgi:application"]

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
HOST = "127.0.0.1"


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    log_path: Path
    # gunicorn's stdout and stderr, read once the server has stopped.
    log: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local(command: list[str]) -> list[str]:
    """Run a Dockerfile command with this virtualenv's executables."""
    program = shutil.which(command[0], path=str(BIN)) or command[0]
    return [program, *command[1:]]


def reset_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_env(database: str, static_root: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RATELIMIT"))}
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"{PG_SERVER}/{database}",
        DB_CONN_MAX_AGE="60",
        CACHE_URL=REDIS_URL,
        STATIC_ROOT=str(static_root),
        # The load generator stands in for the TLS proxy: it sends
        # X-Forwarded-Proto: https and one X-Forwarded-For per simulated runner.
        NUM_PROXIES="1",
        # Its HTTP client does not send Secure cookies over plain HTTP.
        SECURE_COOKIES="False",
        HOST="127.0.0.1",
        PORT=str(port),
        # As in production: one JSON line per request (to a file here).
        LOG_LEVEL="INFO",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers={"Host": HOST})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@contextlib.contextmanager
def serve(database: str = "stride_http_bench", workers: int | None = None) -> Iterator[Server]:
    """A fresh database, collectstatic, migrate, then gunicorn until the block ends."""
    reset_database(database)
    with tempfile.TemporaryDirectory(prefix="stride-bench-") as tmp:
        port = free_port()
        env = production_env(database, Path(tmp) / "staticfiles", port)
        if workers is not None:
            env["WEB_CONCURRENCY"] = str(workers)
        for command in (COLLECTSTATIC, MIGRATE):
            subprocess.run(local(command), cwd=ROOT, env=env, check=True, capture_output=True)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        log_path = Path(tmp) / "gunicorn.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                local(GUNICORN), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            server = Server(f"http://127.0.0.1:{port}", env, log_path)
            try:
                wait_until_up(f"{server.base_url}/healthz")
                yield server
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                server.log = log_path.read_text()
