"""An open-loop load generator: requests at a fixed arrival rate, whatever the responses.

Why this and not wrk, locust or hey for latency (bench/bench_http.py uses wrk
for the saturated capacity runs, where it is the right tool):

* a closed-loop client (wrk, locust, hey) sends its next request only after
  the last response, so when the server slows it sends less and the slow
  period is sampled less: coordinated omission. Its p95 at full load is
  mostly the queue the clients themselves keep full (Little's law);
* wrk's delay() connects and then pauses, and each idle connection holds one of
  gunicorn's sync workers (tried in the seventh session); hey's -q paces each
  of its -c workers with a ticker that drops the ticks a slow response
  overlaps (closed loop again), sends one fixed request (one runner's
  cookies), and measures from the actual send;
* locust users with constant_pacing/constant_throughput are each closed loop
  (a user waits for its response), and 20 users spawned together fire in the
  same instant every period: bursts of 20 onto 5 workers, not a steady rate.

Here request i is due at start + i / rate, a steady stream (no bursts). A
scheduler fires each on time in its own task and never waits for earlier
responses, so a slow response delays nobody else's send. Each request opens its
own connection when it is due and writes the whole request at once, then
reads to the end: gunicorn's sync workers close the connection after every
response anyway, and a connection is never held open idle (what a buffering
proxy in front of gunicorn does too). Latency is measured from the due time,
not from when the request went out, so any lateness of this generator counts
against the server rather than hiding its stalls; the lateness itself is
reported (``lag``) so that a busy generator shows.

    python bench/open_loop.py http://127.0.0.1:8000/healthz --rate 150 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Requests due in the first WARMUP seconds are sent but not counted: new
# connections to PostgreSQL, the first forks' caches.
WARMUP = 2.0
TIMEOUT = 10.0


@dataclass
class Sample:
    due: float
    sent: float = 0.0
    done: float = 0.0
    status: int = 0
    error: str = ""


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    cpu_seconds: float = 0.0  # this process, user + system, over the whole run
    wall_seconds: float = 0.0
    busy_share: float = 0.0  # whole machine, share of all cores busy over the run
    load_before: float = 0.0
    load_after: float = 0.0


def http_request(
    host: str,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str = "",
) -> bytes:
    """One whole HTTP/1.1 request, written in one go, asking the server to close."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    data = body.encode()
    if method == "POST":
        lines.append(f"Content-Length: {len(data)}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode() + data


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


async def _one(address: tuple[str, int], request: bytes, sample: Sample) -> None:
    sample.sent = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*address), TIMEOUT)
        try:
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readline(), TIMEOUT)
            # The status arrives first; the response ends when the server closes.
            while await asyncio.wait_for(reader.read(65536), TIMEOUT):
                pass
            sample.done = time.perf_counter()
            sample.status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
        finally:
            writer.close()
    except (OSError, TimeoutError, ValueError, IndexError) as error:
        sample.done = time.perf_counter()
        sample.error = type(error).__name__


async def _run(url: str, requests: list[bytes], rate: float, seconds: float) -> list[Sample]:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    total = int((WARMUP + seconds) * rate)
    loop = asyncio.get_running_loop()
    tasks = []
    samples = []
    start = time.perf_counter() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sample = Sample(due=due)
        samples.append(sample)
        tasks.append(loop.create_task(_one(address, requests[i % len(requests)], sample)))
    await asyncio.gather(*tasks)
    counted = int(WARMUP * rate)
    return samples[counted:]


def run(url: str, requests: list[bytes], rate: float, seconds: float) -> OpenLoopResult:
    """Offer ``rate`` requests a second for ``seconds`` after the warm-up, cycling ``requests``."""

    load_before = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    busy, total = cpu_busy()
    started = time.perf_counter()
    samples = asyncio.run(_run(url, requests, rate, seconds))
    wall = time.perf_counter() - started
    busy_after, total_after = cpu_busy()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return OpenLoopResult(
        rate=rate,
        seconds=seconds,
        samples=samples,
        cpu_seconds=(after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
        wall_seconds=wall,
        busy_share=(busy_after - busy) / max(1, total_after - total),
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


def percentile(values: list[float], p: float) -> float:
    """Nearest rank, as wrk and HdrHistogram report it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def figures(result: OpenLoopResult, expect: int) -> dict:
    """Latency from the due time (ms), the generator's lateness, and what was achieved."""
    samples = result.samples
    latency = [(s.done - s.due) * 1000 for s in samples]
    lag = [(s.sent - s.due) * 1000 for s in samples]
    ok = [s for s in samples if s.status == expect and not s.error]
    span = max(s.done for s in samples) - min(s.due for s in samples) if samples else 1.0
    return {
        "offered": round(result.rate, 1),
        "requests": len(samples),
        "failures": len(samples) - len(ok),
        "rps": len(samples) / span if span > 0 else 0.0,
        **{f"p{p}": round(percentile(latency, p), 1) for p in (50, 95, 99)},
        "max": round(max(latency), 1) if latency else float("nan"),
        "lag_p99": round(percentile(lag, 99), 2),
        "generator_cpu": round(result.cpu_seconds / result.wall_seconds, 3),
        "machine_busy": round(result.busy_share, 3),
        "load": [round(result.load_before, 2), round(result.load_after, 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--expect", type=int, default=200)
    parser.add_argument("-H", "--header", action="append", default=[], help="Name: value")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    headers = dict(h.split(": ", 1) for h in args.header)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = http_request(parts.hostname or "127.0.0.1", path, headers=headers)
    result = run(args.url, [request], args.rate, args.seconds)
    print(json.dumps(figures(result, args.expect)))


if __name__ == "__main__":
    main()
