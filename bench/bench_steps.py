"""Server time to render each step of the questionnaire (budget: under 25 ms).

In-process with Django's test Client on an in-memory SQLite database, so the
figure is the server's own work (middleware, session, draft, form, template),
not the network. A trivial view returning a fixed string is timed in the same
run as a baseline; the ratio says how much a step costs above Django's floor.
Reports the median of many renders per step.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("RATELIMIT_ENABLED", "False")
# One log line per request would be timed too, and drown the table.
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402

from tests.journey_helpers import STEP_POSTS  # noqa: E402

RENDERS = int(os.environ.get("BENCH_STEPS_N", "200"))
BUDGET_MS = 25.0


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench-trivial/", trivial), path("", include("config.urls"))]


def median_ms(client: Client, url: str) -> float:
    for _ in range(10):  # warm caches (templates, URL resolver)
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    with override_settings(ROOT_URLCONF=__name__):
        client = Client()
        for step_id, data in STEP_POSTS.items():
            assert client.post(f"/step/{step_id}/", data).status_code == 302, step_id
        baseline = median_ms(client, "/bench-trivial/")
        print(f"{'page':<24}{'median ms':>10}{'x trivial':>11}")
        print(f"{'trivial view':<24}{baseline:>10.2f}{1:>11.1f}")
        worst = 0.0
        for url in [*(f"/step/{s}/" for s in STEP_POSTS), "/check-your-answers/"]:
            ms = median_ms(client, url)
            worst = max(worst, ms) if url.startswith("/step/") else worst
            print(f"{url:<24}{ms:>10.2f}{ms / baseline:>11.1f}")
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"slowest step render {worst:.2f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
