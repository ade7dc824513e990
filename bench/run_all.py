"""`make bench`: run every bench-* target of the Makefile, then print one summary table.

Each target runs as `make -s <target>` with its output shown as it comes. A
benchmark can hand rows to the summary by printing lines of the form

    SUMMARY {"metric": "...", "value": 1.2, "unit": "x", "target": ">= 0.25", "ok": true}

Targets that print none are summarised by the last lines of their own table.
The summary is also written to test-artifacts/bench/summary.txt for docs/performance.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "test-artifacts" / "bench"
TAIL_LINES = 12


def targets() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    return re.findall(r"^(bench-[a-z0-9-]+):", makefile, flags=re.MULTILINE)


def run(target: str) -> tuple[int, float, list[str]]:
    print(f"\n=== make {target}", flush=True)
    started = time.monotonic()
    # In-process benchmarks would print one request log line per request measured.
    env = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    process = subprocess.Popen(
        # `make bench` has already run `setup`: do not let each target re-install.
        ["make", "-s", "-o", ".venv/.installed", target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    return process.wait(), time.monotonic() - started, lines


def summarise(target: str, status: int, seconds: float, lines: list[str]) -> list[str]:
    head = f"{target}  ({'ok' if status == 0 else f'FAILED, exit {status}'}, {seconds:.0f} s)"
    rows = [json.loads(line[8:]) for line in lines if line.startswith("SUMMARY {")]
    out = [head]
    if rows:
        for row in rows:
            value = f"{row['value']}{(' ' + row['unit']) if row.get('unit') else ''}"
            mark = "ok" if row.get("ok") else "MISSED"
            out.append(f"  {row['metric']:<46}{value:>14}  target {row['target']:<11}{mark}")
    else:
        shown = [line for line in lines if line.strip() and not line.startswith("SUMMARY")]
        out += [f"  {line}" for line in shown[-TAIL_LINES:]]
    return out


def main() -> int:
    found = targets()
    print(f"benchmarks: {', '.join(found)}")
    report = []
    failed = 0
    for target in found:
        status, seconds, lines = run(target)
        failed += status != 0
        report += summarise(target, status, seconds, lines)
    table = "\n".join(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.txt").write_text(table + "\n")
    print("\n" + "=" * 100)
    print("SUMMARY (all benchmarks, this run)")
    print("=" * 100)
    print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
