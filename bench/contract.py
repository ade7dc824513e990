"""`make schemathesis`: the API against its own OpenAPI document, on a live server.

gunicorn with DEBUG=False (the production settings, as bench/prodserver.py sets
them) on SQLite and a local-memory cache, so that it needs no service; then
schemathesis reads GET /api/v1/openapi.json and sends every operation a bounded,
seeded number of generated requests, valid and invalid. It fails on a 5xx, a
status code, content type or body that the document does not describe.

The rate limits are raised for this run, so that the requests reach the views
(429 is documented, and tested in tests/web). Exits with schemathesis' status.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.prodserver import (  # noqa: E402
    COLLECTSTATIC,
    GUNICORN,
    MIGRATE,
    ROOT,
    free_port,
    local,
    production_env,
    wait_until_up,
)

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = 30
SEED = 20260101


# Two runs: every operation through the examples and a bounded fuzzing phase;
# then the coverage phase (boundary values of every keyword, a few hundred cases
# per operation, unbounded by --max-examples) for all but the PDF, where those
# cases would take minutes of WeasyPrint.
RUNS = (
    ("examples,fuzzing", []),
    ("coverage", ["--exclude-path", "/api/v1/report"]),
)


def schemathesis_command(
    base_url: str, max_examples: int, report_dir: Path, phases: str, extra: list[str]
) -> list[str]:
    return [
        local(["st"])[0],
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        # As the TLS proxy in front of gunicorn says (else: a redirect to https).
        "--header",
        "X-Forwarded-Proto: https",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        "--no-color",
        *extra,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    options = parser.parse_args()
    # A stopped run (CI's time limit, Ctrl-C) still stops its gunicorn (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="stride-contract-") as tmp:
        port = free_port()
        env = production_env("unused", Path(tmp) / "staticfiles", port)
        env.update(
            DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
            DB_CONN_MAX_AGE="0",
            CACHE_URL="locmem://",
            WEB_CONCURRENCY="2",
            NUM_PROXIES="0",
            RATELIMIT_API="1000000/60",
            RATELIMIT_REPORT="1000000/60",
        )
        for command in (COLLECTSTATIC, MIGRATE):
            subprocess.run(local(command), cwd=ROOT, env=env, check=True, capture_output=True)
        log_path = Path(tmp) / "gunicorn.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                local(GUNICORN), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base_url}/healthz")
            report_dir = ROOT / "schemathesis-report"
            status = 0
            for phases, extra in RUNS:
                command = schemathesis_command(
                    base_url, options.max_examples, report_dir, phases, extra
                )
                print("$", " ".join(command), flush=True)
                status = subprocess.run(command, cwd=tmp, env={**os.environ}).returncode or status
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if status:
            errors = [line for line in log_path.read_text().splitlines() if '"ERROR"' in line]
            print("\n".join(errors[-20:]), file=sys.stderr)
        return status


if __name__ == "__main__":
    raise SystemExit(main())
