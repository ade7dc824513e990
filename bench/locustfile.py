"""Locust users for bench/bench_http.py (run headless, one user class at a time).

Each simulated runner stands behind the TLS proxy that production has: it
sends X-Forwarded-Proto: https (so the app's HTTPS-only settings stay on) and
its own X-Forwarded-For address (so per-client rate limits apply per runner,
as they would in production with NUM_PROXIES=1).

bench_http.py uses them for the journey benchmark and its baseline; the
single-step runs use wrk.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, constant, constant_pacing, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.journey_data import STEP_POSTS, STEPS, form_body, new_address  # noqa: E402

JOURNEY_PACING = float(os.environ.get("BENCH_JOURNEY_PACING", "5"))


class Runner(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.begin_as_new_runner()

    def begin_as_new_runner(self) -> None:
        self.client.cookiejar.clear()
        self.headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": new_address()}

    def get(self, path: str, name: str, expect: int = 200) -> str:
        with self.client.get(
            path, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"{path}: {response.status_code}, expected {expect}")
            return response.text or ""

    def post(self, path: str, data: dict, page: str, name: str, expect: int = 302) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        token = match.group(1) if match else ""
        headers = {
            **self.headers,
            "Referer": f"https://{self.host.split('://', 1)[1]}{path}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        with self.client.post(
            path,
            data=urlencode(form_body(data, token)),
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"POST {path}: {response.status_code}, expected {expect}")
            return response.headers.get("Location", "") if response.headers else ""


class Trivial(Runner):
    """The baseline: /healthz, a view that returns two bytes without the database."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.get("/healthz", "trivial view")


class Journey(Runner):
    """A whole screening as a new runner: start, nine steps, review, consent, result."""

    wait_time = constant_pacing(JOURNEY_PACING)

    @task
    def journey(self) -> None:
        self.begin_as_new_runner()
        home = self.get("/", "journey: GET /")
        self.post("/start/", {}, home, "journey: POST /start/")
        for step_id in STEPS:
            page = self.get(f"/step/{step_id}/", "journey: GET step")
            self.post(f"/step/{step_id}/", STEP_POSTS[step_id], page, "journey: POST step")
        self.get("/check-your-answers/", "journey: GET check-your-answers")
        consent = self.get("/consent/", "journey: GET consent")
        self.post("/consent/", {"share_for_research": "on"}, consent, "journey: POST consent")
        self.get("/result/", "journey: GET result")
