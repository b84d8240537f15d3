"""The two busiest pages beside the JSON API doing the same work, in the same run.

    .venv/bin/python -m bench.pages [--db sqlite|postgresql|both] [--postgres-url URL]
                                    [--requests N]

On each database (a fresh SQLite file, or a throwaway PostgreSQL database dropped
afterwards), migrated with ``clinic db upgrade`` and served by a real ``clinic serve
--workers 2`` on loopback, the benchmark clinic of ``bench.clinic`` is set up through the API
(one New York location, 10 clinicians, 8 chairs, an IV type and an online consult) and
3,000 bookings are seeded over the next 30 days (about 140 on each weekday: a full day).

1. the front desk's day board (``GET /desk?location=…&date=…``, signed in by the session
   cookie) for the busiest seeded day, beside ``GET /api/v1/appointments`` for the same
   location and day (the appointments the board places) plus
   ``GET /api/v1/appointments/needs-attention`` (the list the board shows first);
2. the public booking page's times for a week (``GET /book?type=…&location=…&week=…``,
   anonymous), beside ``GET /api/v1/availability`` for the consult over the same seven days;
3. ``GET /health``: the HTTP floor of this machine in this run.

Target: each page's median under 100 ms on both databases. Prints a table per database,
then one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import httpx2 as httpx

from bench.clinic import ZONE, add_admin, seed_appointments, set_up_clinic, weekdays
from bench.harness import (
    Stopwatch,
    client,
    clinic_cli,
    clinic_serve,
    fresh_database,
    load_average,
    log_errors,
    summary_ms,
)
from booking.models import Appointment
from core.clock import SystemClock
from core.db import Database

TARGET_MS = 100.0
WINDOW_DAYS = 30
REQUESTS = 60


def timed(http: httpx.Client, path: str, params: dict[str, str], requests: int) -> dict[str, Any]:
    """Median, p95 and max of ``requests`` GETs after three warm-ups (one per worker and
    one more); every answer must be a 200."""
    for _ in range(3):
        http.get(path, params=params).raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = http.get(path, params=params)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    return summary_ms(times) | {"bytes": len(response.content)}


def busiest_day(database: Database) -> date:
    with database.session() as session:
        starts = session.query(Appointment.starts_at).all()
    days = Counter(start.astimezone(ZONE).date() for (start,) in starts)
    return days.most_common(1)[0][0]


def measure(base: str, database: Database, requests: int, step: Callable[[str], None]) -> Any:
    first = SystemClock().now().astimezone(ZONE).date() + timedelta(days=1)
    clinic = set_up_clinic(base)
    seed = seed_appointments(database, clinic, first, first + timedelta(days=WINDOW_DAYS - 1))
    step(f"seeded {seed['appointments']} appointments")
    day = busiest_day(database)
    token = clinic.headers["Authorization"].removeprefix("Bearer ")
    week = weekdays(first, first + timedelta(days=6))[0]
    board = {"location": str(clinic.location_id), "date": day.isoformat()}
    listed = {"location_id": str(clinic.location_id), "day": day.isoformat(), "limit": "1000"}
    times = {"type": str(clinic.consult_type_id), "location": str(clinic.location_id),
             "week": week.isoformat()}  # fmt: skip
    open_ = {"appointment_type_id": str(clinic.consult_type_id),
             "location_id": str(clinic.location_id), "start": week.isoformat(),
             "end": (week + timedelta(days=6)).isoformat()}  # fmt: skip
    figures: dict[str, Any] = {"seed": seed, "board_day": day.isoformat()}
    with client(base) as http:
        http.cookies.set("clinic_session", token)
        figures["board_page"] = timed(http, "/desk", board, requests)
    with client(base, clinic.headers) as http:
        figures["board_api"] = timed(http, "/api/v1/appointments", listed, requests)
        figures["board_api"]["appointments"] = len(http.get("/api/v1/appointments",
                                                            params=listed).json())  # fmt: skip
        # The board's other half: what needs attention (every coming booking re-checked).
        figures["attention_api"] = timed(http, "/api/v1/appointments/needs-attention", {},
                                         requests)  # fmt: skip
    with client(base) as http:
        figures["times_page"] = timed(http, "/book", times, requests)
        figures["times_api"] = timed(http, "/api/v1/availability", open_, requests)
        figures["health"] = timed(http, "/health", {}, requests)
    step("measured")
    for page in ("board_page", "times_page"):
        figures[page]["meets_target"] = figures[page]["median_ms"] < TARGET_MS
    return figures


def run_backend(backend: str, postgres_url: str, requests: int, logs: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"database": backend, "load_average_before": load_average()}
    step = Stopwatch(backend)
    with fresh_database(backend, postgres_url) as url, ExitStack() as stack:
        clinic_cli(url, "db", "upgrade")
        database = Database.from_url(url)
        stack.callback(database.dispose)
        add_admin(database)
        server = clinic_serve(url, logs / f"clinic-{backend}.log")
        stack.callback(server.stop)
        base = server.ready()
        step("server up")
        result.update(measure(base, database, requests, step))
    result["load_average_after"] = load_average()
    result["server_log_errors"] = log_errors(logs / f"clinic-{backend}.log")
    return result


def _line(name: str, figures: dict[str, Any]) -> str:
    return (f"  {name:<44} median {figures['median_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms"
            f"  {figures['bytes']:>7} bytes")  # fmt: skip


def report(result: dict[str, Any]) -> None:
    print(f"\n{result['database']}: board for {result['board_day']} "
          f"({result['board_api']['appointments']} appointments)")  # fmt: skip
    for name, key in (("front desk board page (/desk)", "board_page"),
                      ("  same day by the API (/api/v1/appointments)", "board_api"),
                      ("  + needs attention by the API", "attention_api"),
                      ("booking page, a week of times (/book)", "times_page"),
                      ("  same week by the API (/api/v1/availability)", "times_api"),
                      ("GET /health (HTTP floor)", "health")):  # fmt: skip
        print(_line(name, result[key]))
    api = {"board_page": result["board_api"]["median_ms"] + result["attention_api"]["median_ms"],
           "times_page": result["times_api"]["median_ms"]}  # fmt: skip
    for page, same_work in api.items():
        ratio = result[page]["median_ms"] / same_work
        verdict = "meets" if result[page]["meets_target"] else "MISSES"
        print(f"  {page}: {ratio:.2f}x the API doing the same work ({same_work:.2f} ms); "
              f"{verdict} < {TARGET_MS:g} ms")  # fmt: skip
    print(f"  server log errors: {result['server_log_errors'] or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CLINIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))  # fmt: skip
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    logs = Path(mkdtemp(prefix="bench-pages-"))
    results = [run_backend(b, args.postgres_url, args.requests, logs) for b in backends]
    for result in results:
        report(result)
    machine = {"python": sys.version.split()[0], "platform": platform.platform(),
               "cpus": os.cpu_count()}  # fmt: skip
    print(json.dumps({"machine": machine, "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
