"""Load generation: threads, each with its own keep-alive client, drain one queue of POSTs.

``hammer`` drives both the booking load (``clinic serve``) and the bare INSERT load
(``bench.bare_insert``), and meters CPU from /proc while it runs (``bench.cpu``). Failed
requests are counted by status and problem code, never fatal: the run goes on.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

from bench.cpu import CpuMeter, CpuUse
from bench.harness import client, ms, percentile, problem_code


@dataclass(frozen=True)
class Job:
    path: str
    body: dict[str, Any]
    label: str


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    cpu: CpuUse
    latencies: list[float]
    statuses: Counter[int]
    errors: Counter[str]
    examples: list[str]

    def figures(self, ok: int) -> dict[str, Any]:
        done = self.statuses[ok]
        return {
            "requests": len(self.latencies),
            "succeeded": done,
            "seconds": round(self.seconds, 3),
            "per_s": round(done / self.seconds, 1),
            "p50_ms": ms(statistics.median(self.latencies)),
            "p95_ms": ms(percentile(self.latencies, 95)),
            "max_ms": ms(max(self.latencies)),
            "cpu_ms_per_request": {
                name: ms(seconds / len(self.latencies))
                for name, seconds in self.cpu.seconds.items()
            },
            "worker_cpu_shares": [round(w / sum(self.cpu.workers), 2) for w in self.cpu.workers],
            "machine_busy_share": round(self.cpu.machine_busy, 2),
            "errors": dict(self.errors),
            "error_examples": self.examples,
        }


Outcome = tuple[float, int, str, str]  # seconds, status (0: transport error), code, body


@dataclass
class Tally:
    """What the threads report, each once at the end, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, outcomes: list[Outcome]) -> None:
        with self.lock:
            for spent, status, code, text_ in outcomes:
                self.latencies.append(spent)
                self.statuses[status] += 1
                if code:
                    self.errors[f"{status} {code}"] += 1
                    if len(self.examples) < 3:
                        self.examples.append(text_)


def send(http: httpx.Client, job: Job) -> Outcome:
    """One POST, timed; a transport error is an outcome like any other."""
    started = time.perf_counter()
    try:
        response = http.post(job.path, json=job.body)
    except httpx.TransportError as exc:  # counted, not fatal: the run goes on
        return (time.perf_counter() - started, 0, type(exc).__name__, "")
    spent = time.perf_counter() - started
    code = problem_code(response) if response.status_code >= 400 else ""
    text_ = response.text[:300] if code else ""
    return (spent, response.status_code, code, text_)


def drive(
    base: str, headers: dict[str, str], queue: deque[Job], barrier: threading.Barrier, tally: Tally
) -> None:
    """One client thread: connect, wait for the others, then take jobs until none are left."""
    mine: list[Outcome] = []
    with client(base, headers) as http:
        http.get("/health")  # open the connection before the clock starts
        barrier.wait()
        while True:
            try:
                job = queue.popleft()
            except IndexError:
                break
            mine.append(send(http, job))
    tally.add(mine)


def hammer(
    base: str, headers: dict[str, str], jobs: Sequence[Job], clients: int, server_pid: int
) -> LoadResult:
    """``clients`` threads, each with its own keep-alive connection, drain one job queue."""
    queue = deque(jobs)
    barrier = threading.Barrier(clients + 1, timeout=120)
    tally = Tally()
    args = (base, headers, queue, barrier, tally)
    threads = [threading.Thread(target=drive, args=args) for _ in range(clients)]
    for thread in threads:
        thread.start()
    meter = CpuMeter(server_pid)
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(
        seconds, meter.stop(), tally.latencies, tally.statuses, tally.errors, tally.examples
    )
