"""`make smoke`: the production image's commands, run for real, then a few requests.

collectstatic, migrate and gunicorn exactly as the Dockerfile runs them, with
DEBUG=False on PostgreSQL and Redis; then the health check, a page with its
hashed stylesheet, the API (score and PDF), refusals, and the log lines. Exits non-zero on
the first thing that is wrong.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.prodserver import HOST, serve  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "minimal.json"
HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def fetch(url: str, data: bytes | None = None, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, headers={**HEADERS, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        raise SystemExit(1)


def main() -> None:
    with serve(database="stride_smoke", workers=2) as server:
        base = server.base_url
        status, _, body = fetch(f"{base}/healthz")
        check(status == 200 and body == b"ok\n", "GET /healthz is 200 ok")

        status, headers, body = fetch(f"{base}/")
        check(status == 200, "GET / is 200 with production settings")
        check(
            "unsafe-inline" not in headers.get("Content-Security-Policy", "x unsafe-inline"),
            "strict Content-Security-Policy",
        )
        check("max-age=" in headers.get("Strict-Transport-Security", ""), "HSTS")
        css = re.findall(rb'href="(/static/[^"]+\.css)"', body)
        check(
            bool(css) and all(re.search(rb"\.[0-9a-f]{12}\.css$", c) for c in css),
            "stylesheets by hashed name",
        )
        status, headers, _ = fetch(f"{base}{css[0].decode()}", **{"Accept-Encoding": "gzip"})
        check(
            status == 200 and "immutable" in headers.get("Cache-Control", ""),
            "WhiteNoise serves the hashed file, cached forever",
        )

        status, _, body = fetch(
            f"{base}/api/v1/score", EXAMPLE.read_bytes(), **{"Content-Type": "application/json"}
        )
        check(status == 200 and "category" in json.loads(body), "POST /api/v1/score is 200")
        # WeasyPrint is imported by gunicorn's master before it forks (config/wsgi.py).
        status, headers, body = fetch(
            f"{base}/api/v1/report", EXAMPLE.read_bytes(), **{"Content-Type": "application/json"}
        )
        check(
            status == 200
            and headers.get("Content-Type") == "application/pdf"
            and body.startswith(b"%PDF-"),
            "POST /api/v1/report renders a PDF in a forked worker",
        )
        status, _, _ = fetch(f"{base}/api/v1/score", b"a=1", **{"Content-Type": "text/plain"})
        check(status == 415, "the API refuses a non-JSON body with 415")
        status, _, _ = fetch(f"{base}/", b"x" * (300 * 1024), **{"Content-Type": "text/plain"})
        check(status == 413, "an oversized body is refused with 413")
        # gunicorn itself refuses this one, and logs it with the client's address.
        with socket.create_connection((HOST, int(base.rsplit(":", 1)[1])), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n")
            reply = sock.recv(200)
        check(reply.startswith(b"HTTP/1.1 400"), "gunicorn refuses a malformed request with 400")

    lines = [line for line in server.log.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]
    check(bool(parsed), f"gunicorn wrote {len(parsed)} log lines, each one JSON object")
    check("203.0.113.7" not in "\n".join(lines), "no client address in the log")
    refused = [p["message"] for p in parsed if "Invalid request" in p["message"]]
    check(
        bool(refused) and all("127.0.0.1" not in m for m in refused),
        "gunicorn's line about the malformed request has no client address",
    )


if __name__ == "__main__":
    main()
