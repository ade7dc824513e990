"""How fast the clinician's PDF renders, measured against WeasyPrint itself.

All figures come from one run in one process, so the ratios compare like with like:

* baseline: a minimal one-page WeasyPrint document (a title and a paragraph,
  PDF/UA-1 like the report), median of BENCH_PDF_N renders;
* full report: the maximal answer set (every item answered, every flag
  raised, the grid filled, 2 x 2000 characters of free text), first render
  and median;
* cached download: GET of a stored submission's PDF through the Django test
  client after a first download (served from its stored copy, RenderedPdf), median;
* memory: peak RSS (VmHWM) and current RSS (VmRSS) from /proc/self/status
  after 10 and after 300 renders, to show it stays flat;
* cold, whole command (reported beside the in-process figures, not instead
  of them): ``manage.py screen maximal.json --pdf OUT`` against a Python
  command that imports WeasyPrint and writes the one-page baseline, each a
  new process, interleaved, median of BENCH_PDF_COLD runs. This is what the
  command line and a freshly started worker pay for a first PDF.

Targets (issue 4): full first render <= 3x baseline and median < 450 ms;
cached download < 15 ms; memory flat between 10 and 300 renders.
Run with ``make bench-pdf``. BENCH_PDF_RENDERS sets the 300.

``python bench/bench_pdf.py --sections`` shows instead where the full
report's time goes: the median render with each ``<section>`` of the report
left out, interleaved with full renders, and what leaving it out saves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from report import document as report  # noqa: E402
from screening import instrument  # noqa: E402

N = int(os.environ.get("BENCH_PDF_N", "15"))
RENDERS = int(os.environ.get("BENCH_PDF_RENDERS", "300"))
COLD = int(os.environ.get("BENCH_PDF_COLD", "5"))
ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2025, 3, 4)


def maximal_answers() -> dict:
    """Every item answered, with the longest lists and texts the instrument allows."""
    items = instrument.ITEMS
    answers: dict = {
        "age": 41,
        "sex": "female",
        "running_years": 18,
        "weekly_km": 95,
        "level": "club",
        "onset_age": 36,
        "side": "left",
        "onset_activity": "running",
        "sensations": ["aching", "tightness", "soreness", "weakness"],
        "coordination_loss": "always",
        "context": "mainly_running",
        "relief_on_stopping": "fast",
        "regions": list(items["regions"].codes),
        "first_region": "foot_ankle_toes",
        "gait_signs": [c for c in items["gait_signs"].codes if c != "none"],
        "muscles_pull": "yes",
        "pain_level": 6,
        "pain_before": "unsure",
        "faster_worse": "yes",
        "flat_worse": "yes",
        "continuous_worse": "unsure",
        "other_activity_triggers": [
            c for c in items["other_activity_triggers"].codes if c != "none"
        ],
        "tricks": [c for c in items["tricks"].codes if c not in ("none_helped", "not_tried")],
        "gym_strength_equal": "no",
        "walking": "significant",
        "course": "worsening",
        "exam_ortho": "minor_findings",
        "exam_neuro": "abnormal",
        "prior_diagnosis": "other_full",
        "secondary_injuries": [c for c in items["secondary_injuries"].codes if c != "none"],
        "own_words": ("After twenty minutes my left foot turns in and the toes curl. " * 40)[:2000],
        "what_helped": ("Running backwards for a minute resets it; grass beats the track. " * 40)[
            :2000
        ],
    }
    yes_items = [
        *("numbness", "tingling", "burning", "shooting_pain", "localized_pain"),
        *("weakness_daily", "back_pain_radiating", "groin_hip_pain", "exertional_calf"),
        *("spread_other", "rest_tremor", "parkinsonism", "other_neuro"),
        *("bladder_bowel_saddle", "sudden_weakness", "acute_limb"),
    ]
    for item_id in yes_items:
        answers[item_id] = "yes"
    for test in instrument.TESTS:
        answers[test] = "abnormal"
    levels = ("no_limit", "limited", "cannot", "not_tried")
    for i, activity in enumerate(instrument.LIMIT_ACTIVITIES):
        answers[f"worst_{activity}"] = levels[(i + 2) % 4]
        answers[f"typical_{activity}"] = levels[i % 4]
    return instrument.validate(answers)


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def memory() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) // 1024
    return fields


def cold_commands(answers: dict, baseline_html: str) -> tuple[float, float]:
    """Median wall time of the whole screen --pdf command and of the baseline command."""
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        answers_file = Path(tmp) / "maximal.json"
        answers_file.write_text(json.dumps(answers))
        full = [sys.executable, "manage.py", "screen", str(answers_file), "--pdf", f"{tmp}/f.pdf"]
        baseline = [
            sys.executable,
            "-c",
            f"import weasyprint; weasyprint.HTML(string={baseline_html!r})"
            f".write_pdf({tmp + '/b.pdf'!r}, pdf_variant={report.PDF_VARIANT!r})",
        ]
        times: dict[str, list[float]] = {"full": [], "baseline": []}
        for _ in range(COLD):
            for name, command in (("full", full), ("baseline", baseline)):
                start = time.perf_counter()
                subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
                times[name].append((time.perf_counter() - start) * 1000)
    return statistics.median(times["full"]), statistics.median(times["baseline"])


def section_costs(answers: dict) -> None:
    """Median render of the maximal report without each of its sections, in turn."""
    whole = report.render_html

    def without(name: str) -> Callable[..., str]:
        pattern = re.compile(rf'<section class="{name}".*?</section>', flags=re.S)
        return lambda context: pattern.sub("", whole(context))

    def full() -> bytes:
        return report.render_pdf(answers, on=DAY)

    page = whole(report.context_for(answers, reference="X", on=DAY, saved=False))
    variants: dict[str, Callable[..., str]] = {"(whole report)": whole}
    variants.update(
        {name: without(name) for name in re.findall(r'<section class="([a-z-]+)"', page)}
    )
    times: dict[str, list[float]] = {name: [] for name in variants}
    full()
    try:
        for _ in range(N):
            for name, render_html in variants.items():
                report.render_html = render_html  # _render looks it up at each call
                times[name].append(timed(full))
    finally:
        report.render_html = whole
    whole_median = statistics.median(times["(whole report)"])
    print(f"maximal report, median of {N} renders each, interleaved")
    print(f"  {'left out':<22}{'median ms':>10}{'saves ms':>10}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<22}{median:>10.1f}{whole_median - median:>10.1f}")


def main() -> None:
    logging.disable(logging.INFO)  # the per-request log lines would drown the figures
    baseline_html = "<html lang=en><title>Baseline</title><p>Hello, clinician.</p></html>"

    def baseline() -> bytes:
        return weasyprint.HTML(string=baseline_html).write_pdf(pdf_variant=report.PDF_VARIANT)

    answers = maximal_answers()
    if "--sections" in sys.argv[1:]:
        section_costs(answers)
        return

    def full() -> bytes:
        return report.render_pdf(answers, on=DAY)

    shared_fonts = FontConfiguration()

    def baseline_shared_fonts() -> bytes:
        return weasyprint.HTML(string=baseline_html).write_pdf(
            pdf_variant=report.PDF_VARIANT, font_config=shared_fonts
        )

    baseline_first = timed(baseline)
    baseline_median = statistics.median(timed(baseline) for _ in range(N))
    baseline_shared_fonts()
    baseline_shared_median = statistics.median(timed(baseline_shared_fonts) for _ in range(N))
    full_first = timed(full)
    full_median = statistics.median(timed(full) for _ in range(N))
    # What PDF/UA-1 tagging costs: the same report untagged, interleaved with tagged renders.
    tagged, untagged = [], []
    for _ in range(N):
        tagged.append(timed(full))
        report.PDF_VARIANT, variant = None, report.PDF_VARIANT
        try:
            untagged.append(timed(full))
        finally:
            report.PDF_VARIANT = variant

    # A stored submission downloaded twice: the second one comes from its stored copy.
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from screening.models import RenderedPdf, Submission
        from tests.journey_helpers import link_browser

        # Sent today: a runner's code opens a result for 30 days from the day it was sent.
        submission = Submission.objects.create(**Submission.fields_from(answers))
        client = Client()
        link_browser(client, submission)  # the runner's browser, holding its code
        url = reverse("submission-pdf", args=[submission.public_id])
        assert client.get(url).status_code == 200
        RenderedPdf.objects.all().delete()  # the first download renders
        first_download = timed(lambda: client.get(url))
        cached = statistics.median(timed(lambda: client.get(url)) for _ in range(max(N, 30)))
    finally:
        teardown_databases(old_config, verbosity=0)
        connection.close()

    cold_full, cold_baseline = cold_commands(answers, baseline_html)

    done = 0
    marks = {}
    for mark in (10, RENDERS):
        while done < mark:
            full()
            done += 1
        marks[mark] = memory()

    print("PDF rendering (one process, same run)")
    print(
        f"  baseline one-page document: first {baseline_first:7.1f} ms, "
        f"median {baseline_median:7.1f} ms"
    )
    print(
        f"  baseline, font configuration reused like the report's: "
        f"median {baseline_shared_median:7.1f} ms"
    )
    print(
        f"  full report (maximal answers): first {full_first:7.1f} ms, median {full_median:7.1f} ms"
    )
    print(
        f"  PDF/UA-1 tagging: tagged median {statistics.median(tagged):7.1f} ms, untagged "
        f"{statistics.median(untagged):7.1f} ms (kept: the clinician's PDF stays tagged)"
    )
    print(
        f"  ratio full/baseline: first {full_first / baseline_median:5.1f}x, "
        f"median {full_median / baseline_median:5.1f}x (target <= 3x; median target < 450 ms)"
    )
    print(
        "  ratio full/baseline with reused fonts: "
        f"median {full_median / baseline_shared_median:5.1f}x"
    )
    print(
        f"  cold, whole command (new process each, median of {COLD}): screen --pdf "
        f"{cold_full:7.0f} ms, baseline command {cold_baseline:5.0f} ms, "
        f"ratio {cold_full / cold_baseline:4.1f}x"
    )
    print(
        f"  stored submission download: first {first_download:7.1f} ms, "
        f"cached median {cached:6.2f} ms (target < 15 ms)"
    )
    for mark, fields in marks.items():
        print(
            f"  after {mark:4d} renders: peak RSS {fields['VmHWM']} MiB, RSS {fields['VmRSS']} MiB"
        )


if __name__ == "__main__":
    main()
