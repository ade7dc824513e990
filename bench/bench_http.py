"""HTTP load against the app as production serves it, with a baseline from the same run.

The server is bench/prodserver.py: gunicorn with gunicorn.conf.py, DEBUG=False,
PostgreSQL, Redis, WhiteNoise, rate limits on. The load comes from a second
process on loopback for a fixed duration per measurement, and shares this
machine's cores with gunicorn:

* the heaviest step's GET and POST and their /healthz baseline: wrk (Debian's,
  `make load-tools`), one connection per concurrent client, each request sent
  as the next of the runners prepared before the run (Lua script below). wrk
  is C and took about 6 % of a core under load (top), against 165 % for the
  gunicorn workers. With locust in its place /healthz topped out at about
  450 req/s against 1,100-1,300 with wrk: the baseline measured locust, not
  the server;
* latency as runners feel it: after the saturated runs have measured the
  step's capacity, an open-loop run (bench/open_loop.py) offers a fixed
  arrival rate, BENCH_OPEN_SHARE (0.5) of that capacity, to the step's GET,
  its POST and /healthz in turn, each at the same rate, and reports p50, p95
  and p99 from each request's due time (no coordinated omission);
* whole journeys: locust headless (bench/locustfile.py), which can follow a
  runner through the pages.

    python bench/bench_http.py             # heaviest step GET and POST vs /healthz
    python bench/bench_http.py --journey   # whole journeys as locust users

Targets (issue 6): step GET throughput >= 0.25 x the trivial view's, step p95
under 50 ms at 20 concurrent clients; 200 complete journeys a minute with p95
per request under 150 ms and no error. Production hardening, item 8: open loop
at 50 % of the heaviest step's capacity, step p95 within 3 x /healthz's p95
at the same rate and under 50 ms, p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import open_loop  # noqa: E402
from bench.prodserver import BIN, ROOT, serve  # noqa: E402

DURATION = int(os.environ.get("BENCH_SECONDS", "20"))
USERS = int(os.environ.get("BENCH_USERS", "20"))
JOURNEY_USERS = int(os.environ.get("BENCH_JOURNEY_USERS", "20"))
JOURNEY_SECONDS = int(os.environ.get("BENCH_JOURNEY_SECONDS", "30"))
OPEN_SHARE = float(os.environ.get("BENCH_OPEN_SHARE", "0.5"))
RESULTS = ROOT / "test-artifacts" / "bench"


def run_locust(
    base_url: str, user_class: str, users: int, seconds: int, spawn_rate: float = 0, **env: str
) -> dict:
    """One fixed-duration locust run; returns its stats rows by request name."""
    with tempfile.TemporaryDirectory(prefix="locust-") as tmp:
        prefix = str(Path(tmp) / "run")
        command = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate or users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            base_url,
            "--csv",
            prefix,
            "--loglevel",
            "ERROR",
            user_class,
        ]
        started = time.monotonic()
        subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            check=False,
            capture_output=True,
            timeout=seconds + 120,
        )
        elapsed = time.monotonic() - started
        with open(f"{prefix}_stats.csv", newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
        with open(f"{prefix}_failures.csv", newline="") as handle:
            failures = list(csv.DictReader(handle))
    return {"rows": rows, "failures": failures, "elapsed": elapsed, "seconds": seconds}


WRK_SCRIPT = r"""
-- Written by bench/bench_http.py. Each request goes out as the next prepared runner
-- (its own cookies, CSRF token and forwarded address), round robin.
local runners = {RUNNERS}
local method, path, expect = "{METHOD}", "{PATH}", {EXPECT}
local i, threads = 0, {}
unexpected = 0  -- global: done() reads it from each thread

function setup(thread) table.insert(threads, thread) end

function request()
  i = i % #runners + 1
  local r = runners[i]
  local headers = {
    ["Host"] = "127.0.0.1", ["Cookie"] = r.cookie,
    ["X-Forwarded-Proto"] = "https", ["X-Forwarded-For"] = r.address,
  }
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Referer"] = "https://127.0.0.1" .. path
    return wrk.format("POST", path, headers, r.body)
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= expect then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "failures": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    bad + e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    base_url: str, path: str, seconds: int, connections: int, runners: list[dict], method: str
) -> dict:
    """One fixed-duration wrk run; every response must be 200 (GET) or 302 (POST)."""
    lua_runners = ", ".join(
        "{" + ", ".join(f"{key} = {json.dumps(value)}" for key, value in runner.items()) + "}"
        for runner in runners
    )
    script = (
        WRK_SCRIPT.replace("{RUNNERS}", "{" + lua_runners + "}")
        .replace("{METHOD}", method)
        .replace("{PATH}", path)
        .replace("{EXPECT}", "302" if method == "POST" else "200")
    )
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script_path = Path(tmp) / "runners.lua"
        script_path.write_text(script)
        command = ["wrk", f"-c{connections}", "-t1", f"-d{seconds}s", "-s", str(script_path)]
        output = subprocess.run(
            [*command, base_url + path], capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK {"))
    run = json.loads(line[4:])
    return {
        "requests": run["requests"],
        "failures": run["failures"],
        "rps": run["requests"] / run["seconds"],
        **{p: round(run[p], 1) for p in ("p50", "p95", "p99")},
    }


def figures(run: dict, name: str) -> dict:
    row = run["rows"][name]
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def new_runner(base_url: str, until: str):
    """A requests session that has saved every step before ``until`` (not timed)."""
    import requests

    from bench.journey_data import STEP_POSTS, STEPS, new_address

    session = requests.Session()
    session.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": new_address()})
    referer = {"Referer": f"https://{base_url.split('://')[1]}/"}
    for step_id in STEPS[: STEPS.index(until)] if until else STEPS:
        token = csrf_token(session.get(f"{base_url}/step/{step_id}/").text)
        response = session.post(
            f"{base_url}/step/{step_id}/",
            data={**STEP_POSTS[step_id], "csrfmiddlewaretoken": token},
            headers=referer,
            allow_redirects=False,
        )
        assert response.status_code == 302, (step_id, response.status_code)
    return session


def csrf_token(page: str) -> str:
    return page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


def heaviest_step(base_url: str) -> tuple[str, dict[str, float]]:
    """Median round trip of each step's GET for one runner, one request at a time."""
    from bench.journey_data import STEPS

    session = new_runner(base_url, until="")
    medians = {}
    for step_id in STEPS:
        times = []
        for _ in range(30):
            started = time.perf_counter()
            response = session.get(f"{base_url}/step/{step_id}/")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (step_id, response.status_code)
        medians[step_id] = round(statistics.median(times), 1)
    return max(medians, key=medians.__getitem__), medians


def prepared_runners(base_url: str, step: str, count: int) -> list[dict[str, str]]:
    """One saved draft per client, so that no set-up request falls in the timed run.

    Each runner carries what its requests send: the resume-code and CSRF
    cookies, its forwarded address, and the form body of the step with its
    CSRF token.
    """
    from urllib.parse import urlencode

    from bench.journey_data import STEP_POSTS, form_body

    runners = []
    for _ in range(count):
        session = new_runner(base_url, until=step)
        page = session.get(f"{base_url}/step/{step}/").text
        fields = form_body(STEP_POSTS[step], csrf_token(page))
        runners.append(
            {
                "cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies),
                "address": session.headers["X-Forwarded-For"],
                "body": urlencode(fields),
            }
        )
    return runners


def line(label: str, f: dict, ratio: float | None = None) -> str:
    shown = f"{ratio:7.2f}" if ratio is not None else "      -"
    return (
        f"{label:<34}{f['rps']:>9.0f}{f['p50']:>8.0f}{f['p95']:>8.0f}{f['p99']:>8.0f}"
        f"{f['failures']:>8}{shown}"
    )


HEADER = (
    f"{'measurement':<34}{'req/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    f"{'errors':>8}{'ratio':>7}"
)


def summary(rows: list[dict], target: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{target}.json").write_text(json.dumps(rows, indent=1))
    for row in rows:
        print("SUMMARY " + json.dumps(row))


def open_requests(path: str, method: str, runners: list[dict]) -> list[bytes]:
    """The prepared runners' requests, as wrk sends them, for bench/open_loop.py."""
    requests = []
    for runner in runners:
        headers = {
            "Cookie": runner["cookie"],
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": runner["address"],
        }
        body = ""
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "https://127.0.0.1" + path
            body = runner["body"]
        requests.append(open_loop.http_request("127.0.0.1", path, method, headers, body))
    return requests


def app_times(log_path: Path, offset: int, skip: int) -> list[float]:
    """Django's own time per request (the request log's duration_ms) after ``offset``.

    What the app took once a worker had the request: the client's latency
    less this is gunicorn's queue, the connection, and the generator.
    """
    with open(log_path, "rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    times = []
    for text in lines:
        if '"event": "request"' in text:
            try:
                times.append(float(json.loads(text)["duration_ms"]))
            except (ValueError, KeyError):
                continue
    return times[skip:]


def run_open(server, path: str, method: str, runners: list[dict], rate: float) -> dict:
    """One open-loop run at ``rate`` for DURATION seconds (after open_loop's warm-up)."""
    offset = server.log_path.stat().st_size
    requests = open_requests(path, method, runners)
    result = open_loop.run(server.base_url + path, requests, rate, DURATION)
    time.sleep(0.5)  # the last log lines
    run = open_loop.figures(result, 302 if method == "POST" else 200)
    app = app_times(server.log_path, offset, int(open_loop.WARMUP * rate))
    run["app_p95"] = round(open_loop.percentile(app, 95), 1)
    return run


def machine_busy(seconds: float = 3) -> float:
    """Share of all cores busy over ``seconds``, before anything of ours runs."""
    busy, total = open_loop.cpu_busy()
    time.sleep(seconds)
    busy_after, total_after = open_loop.cpu_busy()
    return (busy_after - busy) / max(1, total_after - total)


OPEN_HEADER = (
    f"{'measurement':<34}{'offered':>8}{'req/s':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    f"{'max ms':>8}{'app p95':>8}{'late p99':>9}{'errors':>7}{'p95 x hz':>9}"
)


def open_line(label: str, f: dict, ratio: float) -> str:
    return (
        f"{label:<34}{f['offered']:>8.0f}{f['rps']:>7.0f}{f['p50']:>8.1f}{f['p95']:>8.1f}"
        f"{f['p99']:>8.1f}{f['max']:>8.0f}{f['app_p95']:>8.1f}{f['lag_p99']:>9.1f}"
        f"{f['failures']:>7}{ratio:>9.2f}"
    )


def open_rows(label: str, run: dict, healthz: dict, rate: float) -> list[dict]:
    ratio = run["p95"] / healthz["p95"] if healthz["p95"] > 0 else float("inf")
    where = "open loop"
    return [
        {
            "bench": "bench-http",
            "metric": f"{label} p95, {where}",
            "value": run["p95"],
            "unit": "ms",
            "target": "< 50",
            "ok": run["p95"] < 50,
        },
        {
            "bench": "bench-http",
            "metric": f"{label} p95 / /healthz p95, {where}",
            "value": round(ratio, 2),
            "unit": "x",
            "target": "<= 3",
            "ok": ratio <= 3,
        },
        {
            "bench": "bench-http",
            "metric": f"{label} p99, {where}",
            "value": run["p99"],
            "unit": "ms",
            "target": "< 100",
            "ok": run["p99"] < 100,
        },
    ]


def bench_steps() -> None:
    background = machine_busy()
    load = os.getloadavg()
    print(
        f"machine before the run: {background:.0%} of {os.cpu_count()} cores busy with other "
        f"work, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    with serve() as server:
        step, medians = heaviest_step(server.base_url)
        print(f"step GET medians, one client (ms): {json.dumps(medians)}")
        print(f"heaviest step: {step}")
        if os.environ.get("BENCH_STEP"):
            # On a busy machine the one-client medians can pick another step.
            step = os.environ["BENCH_STEP"]
            print(f"measured instead (BENCH_STEP): {step}")
        print(f"{DURATION} s per run, {USERS} concurrent clients (connections), wrk on loopback")
        base, path = server.base_url, f"/step/{step}/"
        # Two sets of runners: the GET runs see the step as a runner opens it
        # before answering (the blank form that the master laid out), which a
        # save would change; the POST runs save it. The runners of the POST runs,
        # afterwards, show what the GET of an answered step costs.
        runners = prepared_runners(base, step, USERS)
        savers = prepared_runners(base, step, USERS)
        trivial = run_wrk(base, "/healthz", DURATION, USERS, runners, "GET")
        get = run_wrk(base, path, DURATION, USERS, runners, "GET")
        post = run_wrk(base, path, DURATION, USERS, savers, "POST")
        answered = run_wrk(base, path, DURATION, USERS, savers, "GET")
        # The step's capacity is the lower of its GET's and POST's saturated
        # rates; all three open-loop runs are offered the same share of it.
        capacity = min(get["rps"], post["rps"])
        rate = OPEN_SHARE * capacity
        opened = {
            name: run_open(server, where, method, who, at)
            for name, where, method, who, at in (
                ("healthz", "/healthz", "GET", runners, rate),
                ("GET", path, "GET", runners, rate),
                ("POST", path, "POST", savers, rate),
                # Far dearer than the blank form: offered the same share of its own
                # capacity, since the step's rate would overload it.
                ("GET answered", path, "GET", savers, OPEN_SHARE * answered["rps"]),
            )
        }
    get_ratio, post_ratio = get["rps"] / trivial["rps"], post["rps"] / trivial["rps"]
    print(HEADER)
    print(line("trivial view /healthz", trivial, 1.0))
    print(line(f"GET /step/{step}/", get, get_ratio))
    print(line(f"POST /step/{step}/ (save, 302)", post, post_ratio))
    print(line(f"GET /step/{step}/ already answered", answered, answered["rps"] / trivial["rps"]))
    healthz = opened["healthz"]
    print(
        f"open loop (bench/open_loop.py): {rate:.0f} req/s = {OPEN_SHARE:.0%} of the step's "
        f"capacity ({capacity:.0f} req/s, the lower of GET and POST above), steady arrivals, "
        f"{DURATION} s each after {open_loop.WARMUP:g} s warm-up; latency from each request's "
        "due time; app p95 = Django's own time (request log); late = generator lateness"
    )
    print(OPEN_HEADER)
    labels = {
        "healthz": "/healthz, same rate",
        "GET": f"GET /step/{step}/",
        "POST": f"POST /step/{step}/ (save, 302)",
        "GET answered": f"GET /step/{step}/ answered (own 50%)",
    }
    for name, run in opened.items():
        print(open_line(labels[name], run, run["p95"] / healthz["p95"] if healthz["p95"] else 0))
    for name, run in opened.items():
        print(
            f"  during {name}: machine {run['machine_busy']:.0%} busy, generator "
            f"{run['generator_cpu']:.0%} of a core, load average {run['load'][0]} -> "
            f"{run['load'][1]}"
        )
    rows = [
        {
            "bench": "bench-http",
            "metric": f"GET /step/{step}/ throughput vs trivial",
            "value": round(get_ratio, 3),
            "unit": "x",
            "target": ">= 0.25",
            "ok": get_ratio >= 0.25,
        },
        {
            "bench": "bench-http",
            "metric": f"GET /step/{step}/ p95 at {USERS} clients",
            "value": get["p95"],
            "unit": "ms",
            "target": "< 50",
            "ok": get["p95"] < 50,
        },
        {
            "bench": "bench-http",
            "metric": f"POST /step/{step}/ throughput vs trivial",
            "value": round(post_ratio, 3),
            "unit": "x",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-http",
            "metric": f"POST /step/{step}/ p95 at {USERS} clients",
            "value": post["p95"],
            "unit": "ms",
            "target": "< 50",
            "ok": post["p95"] < 50,
        },
        {
            "bench": "bench-http",
            "metric": "trivial view /healthz",
            "value": round(trivial["rps"]),
            "unit": "req/s",
            "target": "(baseline)",
            "ok": trivial["failures"] == 0,
        },
        {
            "bench": "bench-http",
            "metric": f"open-loop rate ({OPEN_SHARE:.0%} of step capacity)",
            "value": round(rate),
            "unit": "req/s",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-http",
            "metric": "/healthz p95, open loop",
            "value": healthz["p95"],
            "unit": "ms",
            "target": "(baseline)",
            "ok": healthz["failures"] == 0,
        },
        *open_rows("GET step", opened["GET"], healthz, rate),
        *open_rows("POST step", opened["POST"], healthz, rate),
        {
            "bench": "bench-http",
            "metric": "GET answered step throughput vs trivial",
            "value": round(answered["rps"] / trivial["rps"], 3),
            "unit": "x",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-http",
            "metric": "GET answered step p95, open loop (own rate)",
            "value": opened["GET answered"]["p95"],
            "unit": "ms",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-http",
            "metric": "machine busy before the run (others)",
            "value": round(100 * background),
            "unit": "%",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-http",
            "metric": "errors",
            "value": sum(r["failures"] for r in (trivial, get, post, answered, *opened.values())),
            "unit": "",
            "target": "0",
            "ok": sum(r["failures"] for r in (trivial, get, post, answered, *opened.values())) == 0,
        },
    ]
    summary(rows, "bench-http")


def bench_journey() -> None:
    users, seconds = JOURNEY_USERS, JOURNEY_SECONDS
    pacing = float(os.environ.get("BENCH_JOURNEY_PACING", "5"))
    with serve() as server:
        trivial = figures(run_locust(server.base_url, "Trivial", USERS, DURATION), "trivial view")
        # Runners arrive spread over one pacing period rather than all in the same second.
        run = run_locust(server.base_url, "Journey", users, seconds, spawn_rate=users / pacing)
    everything = figures(run, "Aggregated")
    done = figures(run, "journey: GET result")
    per_minute = done["requests"] - done["failures"]
    per_minute = per_minute * 60 / seconds
    print(
        f"{users} locust users arriving over {pacing:g} s, each starting a journey every "
        f"{pacing:g} s, for {seconds} s "
        f"({len(run['rows']) - 1} request names, {everything['requests']} requests)"
    )
    print(HEADER)
    print(line("trivial view /healthz (max rate)", trivial, 1.0))
    for name in sorted(run["rows"]):
        if name != "Aggregated":
            print(line(name, figures(run, name)))
    print(line("all journey requests", everything))
    print(f"complete journeys: {per_minute:.0f} per minute")
    for failure in run["failures"][:5]:
        print(f"failure: {failure.get('Name')}: {failure.get('Error')}")
    rows = [
        {
            "bench": "bench-journey",
            "metric": "complete journeys per minute",
            "value": round(per_minute),
            "unit": "/min",
            "target": ">= 200",
            "ok": per_minute >= 200,
        },
        {
            "bench": "bench-journey",
            "metric": "p95 per journey request",
            "value": everything["p95"],
            "unit": "ms",
            "target": "< 150",
            "ok": everything["p95"] < 150,
        },
        {
            "bench": "bench-journey",
            "metric": "p99 per journey request",
            "value": everything["p99"],
            "unit": "ms",
            "target": "(reported)",
            "ok": True,
        },
        {
            "bench": "bench-journey",
            "metric": "journey errors",
            "value": everything["failures"],
            "unit": "",
            "target": "0",
            "ok": everything["failures"] == 0,
        },
        {
            "bench": "bench-journey",
            "metric": "journey req/s vs trivial max req/s",
            "value": round(everything["rps"] / trivial["rps"], 3),
            "unit": "x",
            "target": "(reported)",
            "ok": True,
        },
    ]
    summary(rows, "bench-journey")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journey", action="store_true", help="whole journeys as locust users")
    if parser.parse_args().journey:
        bench_journey()
    else:
        bench_steps()


if __name__ == "__main__":
    main()
