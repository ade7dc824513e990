"""The shared cache gone: every page still works, and nothing of a screening is in it.

Two outages, each with Django's real Redis backend configured as production
configures it (config.settings.env_cache): a closed port (connection refused
at once) and a server that accepts and never answers (every operation waits
for the socket timeout). Nothing of ours is replaced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from config.settings import env_cache
from screening.models import RenderedPdf, Submission
from tests.journey_helpers import STEP_POSTS
from tests.reviewers import PASSWORD, staff

REAL_REDIS = "redis://127.0.0.1:6379/7"
FREE_TEXT = STEP_POSTS["narrative"]["own_words"]


def caches_at(url: str, prefix: str = "test-outage") -> dict:
    """CACHES as the production settings read CACHE_URL=url (timeouts included)."""
    return {"default": {**env_cache("STRIDE_TEST_UNSET_CACHE_URL", url), "KEY_PREFIX": prefix}}


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"  # nothing listens there any more


@contextlib.contextmanager
def hanging_server() -> Iterator[str]:
    """A Redis that accepts connections and never answers (paused, or a dead network path)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)  # never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


OUTAGES = [pytest.param(closed_port, id="closed port"), pytest.param(hanging_server, id="hanging")]


def no_server_error(responses: dict[str, int]) -> None:
    failed = {page: status for page, status in responses.items() if status >= 500}
    assert not failed, failed


@pytest.mark.parametrize("outage", OUTAGES)
@pytest.mark.django_db
def test_every_page_works_while_the_cache_is_unreachable(outage):
    staff("stan", "data stewards")
    runner = Client(raise_request_exception=False)
    reviewer = Client(raise_request_exception=False)
    seen: dict[str, int] = {}
    with outage() as url, override_settings(CACHES=caches_at(url)):
        for step_id, data in STEP_POSTS.items():
            seen[step_id] = runner.post(f"/step/{step_id}/", data).status_code
        seen["consent"] = runner.post("/consent/", {"share_for_research": "on"}).status_code
        seen["result"] = runner.get("/result/").status_code
        submission = Submission.objects.get()
        pdf = runner.get(reverse("submission-pdf", args=[submission.public_id]))
        seen["pdf"] = pdf.status_code
        seen["login"] = reviewer.post(
            reverse("admin:login"), {"username": "stan", "password": PASSWORD}
        ).status_code
        seen["admin"] = reviewer.get(reverse("admin:index")).status_code
        seen["list"] = reviewer.get(reverse("admin:screening_submission_changelist")).status_code
        seen["stats"] = reviewer.get(reverse("admin:screening_submission_stats")).status_code
        seen["delete"] = runner.post("/delete/", {}).status_code
    no_server_error(seen)
    assert seen == {
        **dict.fromkeys(STEP_POSTS, 302),
        "consent": 302,
        "result": 200,
        "pdf": 200,
        "login": 302,
        "admin": 200,
        "list": 200,
        "stats": 200,
        "delete": 200,
    }
    assert pdf.getvalue().startswith(b"%PDF-")
    assert not Submission.objects.exists() and not RenderedPdf.objects.exists()


@pytest.mark.django_db
def test_a_cache_outage_is_logged_once_a_minute_not_per_request(caplog):
    runner = Client()
    with closed_port() as url, override_settings(CACHES=caches_at(url)):
        for _ in range(5):
            assert runner.post("/start/").status_code == 302
            assert runner.post("/step/safety/", STEP_POSTS["safety"]).status_code == 302
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["rate-limit cache unavailable"]


def _as_bytes(value: object) -> bytes:
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def tables_holding(needles: dict[str, bytes]) -> set[tuple[str, str]]:
    """(table, needle) for every table of the database with a value containing a needle."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    data = _as_bytes(value)
                    found |= {(table, name) for name, needle in needles.items() if needle in data}
    return found


def cache_holding(server: redis.Redis, prefix: str, needles: dict[str, bytes]) -> set[str]:
    found = set()
    for key in server.scan_iter(f"{prefix}:*"):
        data = key + (server.dump(key) or b"")
        found |= {name for name, needle in needles.items() if needle in data}
    return found


@pytest.mark.django_db(transaction=True)
def test_a_deletion_while_the_cache_hangs_leaves_nothing_of_the_screening_anywhere():
    """The PDF is downloaded while Redis works, then the runner deletes while it
    hangs (the outage of the issue): no byte of the PDF, the free text or the
    public id is left in any table, nor in Redis."""
    prefix = f"test-outage-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(REAL_REDIS)
    runner = Client(raise_request_exception=False)
    try:
        with override_settings(CACHES=caches_at(REAL_REDIS, prefix)):
            for step_id, data in STEP_POSTS.items():
                assert runner.post(f"/step/{step_id}/", data).status_code == 302
            assert runner.post("/consent/", {}).status_code == 302
            submission = Submission.objects.get()
            pdf = runner.get(reverse("submission-pdf", args=[submission.public_id])).getvalue()
        assert pdf.startswith(b"%PDF-")
        needles = {
            "pdf": pdf[len(pdf) // 2 : len(pdf) // 2 + 64],  # the compressed body, not the header
            "free text": b"flops",
            "public id": str(submission.public_id).encode(),
            "public id (hex)": submission.public_id.hex.encode(),
        }
        # The scans find what is there: the search itself is sound.
        before = {name for _table, name in tables_holding(needles)}
        # A UUID column holds the hex form on SQLite, the dashed one on PostgreSQL.
        assert {"pdf", "free text"} <= before and before & {"public id", "public id (hex)"}
        assert any(server.scan_iter(f"{prefix}:*")), "the cache was not used at all"

        with hanging_server() as url, override_settings(CACHES=caches_at(url, prefix)):
            deleted = runner.post("/delete/", {})
        assert deleted.status_code == 200
        assert "deleted" in deleted.content.decode()

        assert tables_holding(needles) == set()
        assert cache_holding(server, prefix, needles) == set()
    finally:
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
        server.close()
