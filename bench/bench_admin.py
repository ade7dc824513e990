"""The reviewer's workspace on a large PostgreSQL table.

Seeds the bench database up to ``--rows`` shared submissions (with
``seed_submissions``, COPY), then measures through Django's test client, with
the full middleware stack, a signed-in reviewer and the audit trail on:

- a trivial baseline (``/healthz``) measured in the same run, for ratios;
- the list's first page, a filtered page (foot-centred cases with spread to
  walking), the detail view (a different submission each time);
- the statistics page on all rows and on a filter keeping about 1%;
- the cross-tab (verdict by sex, and an answer by an age band read from the
  answers JSON) and the A/B comparison of every variable, on all rows and on
  the 1% filter;
- a CSV export of about 100,000 rows, in a fresh process, with its rate and
  the process's peak RSS before and after (memory stays flat when the rows
  are streamed).

Targets (issue 5): list, filtered page and detail < 300 ms median; statistics
< 1.5 s for all rows and < 500 ms for 1%; export >= 20,000 rows/s. Issue 18:
cross-tab and comparison < 1.5 s over all rows, < 300 ms over a 1% filter.

    .venv/bin/python bench/bench_admin.py                # 1,000,000 rows
    .venv/bin/python bench/bench_admin.py --rows 100000  # a quicker run
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/stride_bench"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RATELIMIT_ENABLED", "False")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    # The request log would be timed and printed with every request.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from screening.models import Submission

    call_command("migrate", verbosity=0)
    have = Submission.objects.filter(share_for_research=True).count()
    if have < rows:
        print(f"seeding {rows - have:,} submissions (have {have:,}) ...", flush=True)
        started = time.perf_counter()
        call_command("seed_submissions", str(rows - have), "--seed", str(have + 1))
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE screening_submission")
    print(f"shared submissions in the bench database: {max(have, rows):,}")


def reviewer():
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="reviewers"))
    return user


def timed(client, url: str, repeat: int, params=None, vary=None) -> list[float]:
    from django.db import reset_queries

    times = []
    for i in range(repeat):
        target = vary(i) if vary else url
        started = time.perf_counter()
        response = client.get(target, params or {})
        if response.streaming:
            for _ in response.streaming_content:
                pass
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (target, response.status_code)
        times.append(elapsed * 1000)
        reset_queries()
    return times


def export_run(url: str, created_from: str, created_to: str) -> None:
    """Child process: stream one anonymous CSV export (the ZIP with its data package,
    as a reviewer downloads it) to a file, report rows, time and RSS."""
    setup_django(url)
    import tempfile
    import zipfile

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(reviewer())
    before = rss_mb()
    started = time.perf_counter()
    response = client.get(
        reverse("admin:screening_submission_export"),
        {"format": "csv", "created_from": created_from, "created_to": created_to},
    )
    size = 0
    with tempfile.TemporaryFile() as out:
        for chunk in response.streaming_content:
            out.write(chunk)
            size += len(chunk)
        elapsed = time.perf_counter() - started
        peak = rss_mb()
        out.seek(0)
        with zipfile.ZipFile(out) as package:
            rows = json.loads(package.read("datapackage.json"))["stride"]["rows"]
    # Baseline, after the export: the same rows' columns that the export reads, copied
    # unprocessed in id order from the same covering index, the read the export starts
    # from (no plan, no join, no cells, no ZIP). Until the thirteenth session it was a
    # COPY of the rows' answers, which the export no longer reads; that one swung
    # from 1.7 to 29 s with the table's pages in or out of the cache.
    from django.db import connection

    from reviewer.exports import PgAnonymousCsv
    from screening.models import Submission

    shared = Submission.objects.filter(
        share_for_research=True, created_on__gte=created_from, created_on__lte=created_to
    )
    read = shared.order_by("id").values_list(*PgAnonymousCsv.READ_COLUMNS, "closed_answers")
    sql, params = read.query.sql_with_params()
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy,
    ):
        for _block in copy:
            pass
    baseline = time.perf_counter() - started
    print(f"EXPORT {rows} {elapsed:.3f} {before:.1f} {peak:.1f} {size} {baseline:.3f}")


def date_window(share: float) -> tuple[str, str, int]:
    """A created_on window holding about ``share`` of the shared rows, and its size."""
    from django.db.models import Max, Min

    from screening.models import Submission

    shared = Submission.objects.filter(share_for_research=True)
    bounds = shared.aggregate(first=Min("created_on"), last=Max("created_on"))
    span = (bounds["last"] - bounds["first"]).days + 1
    days = max(1, round(span * share))
    start = bounds["last"] - datetime.timedelta(days=days - 1)
    count = shared.filter(created_on__gte=start).count()
    return start.isoformat(), bounds["last"].isoformat(), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--export-child", nargs=2, metavar=("FROM", "TO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_run(args.database_url, *args.export_child)
        return

    ensure_database(args.database_url)
    setup_django(args.database_url)
    seed(args.rows)

    from django.test import Client
    from django.urls import reverse

    from screening.models import Submission

    client = Client()
    client.force_login(reviewer())
    changelist = reverse("admin:screening_submission_changelist")
    stats_url = reverse("admin:screening_submission_stats")
    from django.db.models import Max, Min

    shared = Submission.objects.filter(share_for_research=True)
    bounds = shared.aggregate(low=Min("id"), high=Max("id"))
    span = range(bounds["low"], bounds["high"] + 1)
    sample = random.Random(5).sample(span, min(400, len(span)))
    ids = list(shared.filter(id__in=sample).values_list("id", flat=True))
    one_from, one_to, one_count = date_window(0.01)
    total = Submission.objects.filter(share_for_research=True).count()
    export_from, export_to, export_count = date_window(min(1.0, 100_000 / max(total, 1)))

    # Warm-up: connections, templates, caches, the planner's first look.
    for url, params in ((changelist, {}), (stats_url, {}), ("/healthz", {})):
        timed(client, url, 2, params)

    repeat = args.repeat
    results = []

    def measure(name, target_ms, times):
        results.append((name, statistics.median(times), max(times), target_ms))

    measure("baseline /healthz", None, timed(client, "/healthz", 50))
    measure("list, first page", 300, timed(client, changelist, repeat))
    measure(
        "list, foot-centred + spread to walking",
        300,
        timed(client, changelist, repeat, {"pattern": "foot_ankle", "flags": "spread_to_walking"}),
    )
    measure(
        "list, filtered, page 5",
        300,
        timed(client, changelist, repeat, {"side": "left", "flags": "worsening_course", "p": "4"}),
    )
    measure(
        "detail (random submission)",
        300,
        timed(
            client,
            "",
            repeat,
            vary=lambda i: reverse("admin:screening_submission_change", args=[ids[i % len(ids)]]),
        ),
    )
    measure("statistics, all rows", 1500, timed(client, stats_url, max(5, repeat // 3)))
    measure(
        f"statistics, 1% filter ({one_count:,} rows)",
        500,
        timed(client, stats_url, repeat, {"created_from": one_from, "created_to": one_to}),
    )
    measure(
        "statistics, foot-centred + walking",
        1500,
        timed(
            client,
            stats_url,
            max(5, repeat // 3),
            {"pattern": "foot_ankle", "flags": "spread_to_walking"},
        ),
    )

    crosstab_url = reverse("admin:screening_submission_crosstab")
    compare_url = reverse("admin:screening_submission_compare")
    one_percent = {"created_from": one_from, "created_to": one_to}
    few = max(3, repeat // 5)
    measure(
        "cross-tab verdict x sex, all rows",
        1500,
        timed(client, crosstab_url, few, {"rows": "verdict", "columns": "sex"}),
    )
    measure(
        "cross-tab first_region x age band, all rows",
        1500,
        timed(client, crosstab_url, few, {"rows": "first_region", "columns": "age_band"}),
    )
    measure(
        "cross-tab hip/thigh vs foot, by sex + onset",
        1500,
        timed(
            client,
            crosstab_url,
            few,
            {
                "columns": "sex",
                "then_by": "onset_band",
                "where": "first_region:hip_thigh",
                "vary": "first_region:foot_ankle_toes",
            },
        ),
    )
    measure(
        f"cross-tab verdict x sex, 1% ({one_count:,} rows)",
        300,
        timed(client, crosstab_url, repeat, {**one_percent, "rows": "verdict", "columns": "sex"}),
    )
    measure(
        "compare all rows vs female, every variable",
        1500,
        timed(client, compare_url, few, {"vary": "sex:female"}),
    )
    measure(
        "compare 1% vs 1% female, every variable",
        300,
        timed(client, compare_url, repeat, {**one_percent, "vary": "sex:female"}),
    )

    baseline = results[0][1]
    print()
    print(f"rows: {total:,} shared submissions, PostgreSQL, Django test client, {repeat} runs")
    print(f"{'measurement':44} {'median ms':>10} {'max ms':>9} {'x baseline':>11} {'target':>9}")
    for name, median, worst, target in results:
        verdict = "" if target is None else ("ok" if median < target else "SLOW")
        target_text = "" if target is None else f"<{target}"
        print(
            f"{name:44} {median:10.1f} {worst:9.1f} {median / baseline:11.0f} "
            f"{target_text:>9} {verdict}"
        )

    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--database-url",
            args.database_url,
            "--export-child",
            export_from,
            export_to,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in child.stdout.splitlines() if line.startswith("EXPORT"))
    _, rows, seconds, before, after, size, copy_seconds = line.split()
    # Rows read and checked against the anonymity rule: every row of the window
    # costs the export (the plan's pass and the write), kept or not.
    rate = export_count / float(seconds)
    print()
    print(
        f"anonymous CSV export (ZIP with datapackage.json): {export_count:,} rows read, "
        f"{int(rows):,} written ({int(size) / 1e6:.1f} MB) in {float(seconds):.2f} s = "
        f"{rate:,.0f} rows/s (target >= 20,000: {'ok' if rate >= 20_000 else 'SLOW'})"
    )
    print(
        f"baseline: COPY of the same rows' indexed columns the export reads, in id order, "
        f"{float(copy_seconds):.2f} s "
        f"= {export_count / float(copy_seconds):,.0f} rows/s; the export takes "
        f"{float(seconds) / float(copy_seconds):.2f} x that"
    )
    print(
        f"export process peak RSS: {float(before):.0f} MB before the export, "
        f"{float(after):.0f} MB after"
    )


if __name__ == "__main__":
    main()
