"""Booking workload against a real ``clinic serve --workers 2`` on loopback.

    .venv/bin/python -m bench.booking [--db sqlite|postgresql|both] [--quick]

On each database (a fresh SQLite file, or a throwaway PostgreSQL database that is dropped
afterwards), migrated with ``clinic db upgrade``:

1. seed: one New York location, 10 clinicians, 8 treatment chairs and a consult room
   (through the API), then 3,000 booked appointments over the next 30 days, bulk-inserted
   in-process as Appointment + Occupancy rows built by ``occupancy.rows_for`` and placed
   with the same no-overlap rule as the exclusion constraint (checked again afterwards);
2. availability: HTTP GET /api/v1/availability for the IV type over 30 days (median, p95),
   then the split measured in-process: reading the inputs, find_slots, building the response model,
   model_dump_json, GC pauses, and the bare read of the same occupancy rows (raw SQL);
3. booking throughput: 16 threads, each with its own keep-alive client, book distinct,
   mutually compatible slots taken from GET availability, with CPU per booking by process
   (from /proc); then the same load against a bare INSERT + commit endpoint
   (``bench.bare_insert``) served the same way. Each server first gets 5 requests per
   client, not measured, so both are measured warm;
4. contention: 64 concurrent public bookings of one slot; exactly one may win.

Prints a table per database, then one JSON document with every figure.
"""

# Where things are: bench.harness (databases, servers, HTTP clients, progress), bench.cpu
# (CPU metering from /proc), bench.load (threads draining a queue of POSTs), bench.clinic
# (set-up through the API, bulk seeding), bench.availability, bench.throughput and
# bench.contention (the measurements). This module runs them per database and reports.

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.availability import measure_availability_http, measure_split
from bench.bare_insert import metadata as bare_metadata
from bench.clinic import (
    WINDOW_DAYS,
    ZONE,
    Clinic,
    add_admin,
    count_overlaps,
    seed_appointments,
    set_up_clinic,
)
from bench.contention import race
from bench.harness import (
    WORKERS,
    Server,
    Stopwatch,
    bare_serve,
    clinic_cli,
    clinic_serve,
    fresh_database,
    load_average,
    log_errors,
)
from bench.load import Job, hammer
from bench.throughput import count_booked, measure_book_in_process, plan_bookings
from core.clock import SystemClock
from core.db import Database

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
CLIENTS = 16
AVAILABILITY_TARGET_MS = 50.0
BOOKING_TARGET_PER_S = 150.0

_clock = SystemClock()


@dataclass(frozen=True)
class Profile:
    availability_requests: int
    split_repeats: int
    bookings: int
    bare_requests: int
    # Sent to each server, unmeasured, before its load: every worker compiles its statements
    # and the pooled connections it uses prepare them (on first use: core.db), so both
    # servers are measured warm, as a clinic's would be after its first minutes.
    warm_up: int = 5 * CLIENTS


FULL = Profile(availability_requests=30, split_repeats=20, bookings=400, bare_requests=1_200)
QUICK = Profile(availability_requests=10, split_repeats=5, bookings=120, bare_requests=300,
                warm_up=2 * CLIENTS)  # fmt: skip


# --------------------------------------------------------------------------- one database


@dataclass(frozen=True)
class Rig:
    """One database with both servers up: the product and the bare INSERT endpoint."""

    database: Database
    product: Server
    bare_server: Server
    base: str
    bare_base: str


def start_rig(url: str, backend: str, logs: Path, stack: ExitStack) -> Rig:
    """Open the migrated database and start both servers; ``stack`` stops them."""
    database = Database.from_url(url)
    stack.callback(database.dispose)
    bare_metadata.create_all(database.engine)  # the bare endpoint's throwaway table
    # Both servers start together (start-up is seconds of imports); the bare one idles.
    product = clinic_serve(url, logs / f"clinic-{backend}.log")
    stack.callback(product.stop)
    bare_server = bare_serve(url, logs / f"bare-{backend}.log")
    stack.callback(bare_server.stop)
    add_admin(database)
    base = product.ready()
    bare_base = bare_server.ready()
    return Rig(database, product, bare_server, base, bare_base)


def availability(
    rig: Rig, clinic: Clinic, first: date, last: date, profile: Profile
) -> dict[str, Any]:
    """GET /availability over HTTP, then its split in-process."""
    requests = profile.availability_requests
    http = measure_availability_http(rig.base, clinic, first, last, requests)
    http["target_ms"] = AVAILABILITY_TARGET_MS
    http["meets_target"] = http["median_ms"] < AVAILABILITY_TARGET_MS
    split = measure_split(rig.database, clinic, first, last, profile.split_repeats)
    split["http_overhead_ms"] = round(http["median_ms"] - split["in_process_total_ms"], 2)
    split["http_median_over_bare_read"] = round(http["median_ms"] / split["bare_read_ms"], 1)
    return {"availability_http": http, "availability_split": split}


def booking_throughput(
    rig: Rig, clinic: Clinic, jobs: list[Job], warm_up: list[Job]
) -> dict[str, Any]:
    """The planned bookings through ``clinic serve`` after ``warm_up`` (bookings too, not
    measured), and one booking's in-process cost."""
    book_cost = measure_book_in_process(rig.database, jobs[:20])
    hammer(rig.base, clinic.headers, warm_up, CLIENTS, rig.product.process.pid)
    before = count_booked(rig.database)
    load = hammer(rig.base, clinic.headers, jobs, CLIENTS, rig.product.process.pid)
    booking = {"clients": CLIENTS, "warm_up": len(warm_up), **load.figures(ok=201)}
    booking["mix"] = dict(Counter(job.label for job in jobs))
    booking["booked_rows_added"] = count_booked(rig.database) - before
    booking["in_process"] = book_cost
    booking["target_per_s"] = BOOKING_TARGET_PER_S
    booking["meets_target"] = booking["per_s"] >= BOOKING_TARGET_PER_S and not booking["errors"]
    return booking


def bare_insert(rig: Rig, profile: Profile, booking_per_s: float) -> dict[str, Any]:
    """The same load against the bare INSERT endpoint, with ``clinic serve`` stopped."""
    rig.product.stop()  # the bare endpoint gets the machine to itself, as the product had
    notes = [Job("/insert", {"note": f"bench {n}"}, "bare") for n in range(profile.bare_requests)]
    hammer(rig.bare_base, {}, notes[: profile.warm_up], CLIENTS, rig.bare_server.process.pid)
    bare = hammer(rig.bare_base, {}, notes, CLIENTS, rig.bare_server.process.pid)
    figures = {"clients": CLIENTS, "warm_up": profile.warm_up, **bare.figures(ok=201)}
    return {"bare_insert": figures, "booking_over_bare": round(booking_per_s / figures["per_s"], 2)}


def measure(rig: Rig, profile: Profile, first: date, last: date, step: Stopwatch) -> dict[str, Any]:
    """Seed, then every measurement in turn, on a rig that is up."""
    result: dict[str, Any] = {}
    clinic = set_up_clinic(rig.base)
    step("clinic set up through the API")
    result["seed"] = seed_appointments(rig.database, clinic, first, last)
    result["seed"]["overlaps"] = count_overlaps(rig.database)
    step("appointments seeded")
    result.update(availability(rig, clinic, first, last, profile))
    step("availability measured")
    count = profile.warm_up + profile.bookings
    jobs, race_slot = plan_bookings(rig.base, rig.database, clinic, first, last, count)
    step("bookings planned from GET availability")
    warm_up, jobs = jobs[: profile.warm_up], jobs[profile.warm_up :]
    result["booking"] = booking_throughput(rig, clinic, jobs, warm_up)
    step("booking throughput")
    result["contention"] = race(rig.base, clinic, race_slot)
    result["overlaps_after"] = count_overlaps(rig.database)
    step("contention")
    result.update(bare_insert(rig, profile, result["booking"]["per_s"]))
    step("bare insert")
    return result


def run_backend(backend: str, profile: Profile, postgres_url: str, logs: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"database": backend, "load_average_before": load_average()}
    first = _clock.now().astimezone(ZONE).date() + timedelta(days=1)
    last = first + timedelta(days=WINDOW_DAYS - 1)
    result["window"] = {"first_day": first.isoformat(), "last_day": last.isoformat()}
    step = Stopwatch(backend)
    with fresh_database(backend, postgres_url) as url, ExitStack() as stack:
        clinic_cli(url, "db", "upgrade")
        step("migrated with `clinic db upgrade`")
        rig = start_rig(url, backend, logs, stack)
        step("servers up")
        result.update(measure(rig, profile, first, last, step))
    result["load_average_after"] = load_average()
    result["server_log_errors"] = {
        "clinic serve": log_errors(logs / f"clinic-{backend}.log"),
        "bare insert": log_errors(logs / f"bare-{backend}.log"),
    }
    return result


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in counts.items()) or "none"


def cpu_line(figures: dict[str, Any]) -> str:
    parts = ", ".join(f"{k} {v}" for k, v in figures["cpu_ms_per_request"].items())
    shares = "/".join(f"{share:.0%}" for share in figures["worker_cpu_shares"])
    return f"{parts}; machine {figures['machine_busy_share']:.0%} busy; workers {shares}"


Rows = list[tuple[str, str]]


def seed_rows(seed: dict[str, Any]) -> Rows:
    return [
        ("seed", f"{seed['appointments']} appointments {seed['by_kind']}, "
                 f"{seed['occupancy_rows']} occupancy rows, {seed['weekdays']} weekdays, "
                 f"{seed['seconds']} s, overlaps {seed['overlaps']}"),
    ]  # fmt: skip


def availability_rows(http: dict[str, Any], split: dict[str, Any]) -> Rows:
    return [
        ("GET availability (IV, 30 days)",
         f"median {http['median_ms']} ms, p95 {http['p95_ms']} ms over {http['requests']} "
         f"requests; {http['slots']} slots, {http['response_bytes']} bytes "
         f"({verdict(http['meets_target'])} < {AVAILABILITY_TARGET_MS:g} ms)"),
        ("  GET /health (HTTP floor)", f"median {http['health_median_ms']} ms"),
        ("  in-process total", f"{split['in_process_total_ms']} ms (max "
                               f"{split['in_process_total_max_ms']} ms)"),
        ("  reading inputs (database)", f"{split['read_inputs_ms']} ms"),
        ("  find_slots (compute)", f"{split['find_slots_ms']} ms"),
        ("  build AvailabilityOut", f"{split['build_response_ms']} ms"),
        ("  model_dump_json", f"{split['json_encode_ms']} ms"),
        ("  of the total: GC pauses",
         f"{split['gc_pause_ms']} ms (max {split['gc_pause_max_ms']} ms)"),
        ("  bare read (raw SQL)", f"{split['bare_read_ms']} ms for {split['bare_read_rows']} rows"),
        ("  same rows, Core typed", f"{split['typed_read_ms']} ms"),
        ("  HTTP - in-process", f"{split['http_overhead_ms']} ms (auth, framework, transport)"),
        ("  HTTP median / bare read", f"{split['http_median_over_bare_read']}x"),
    ]  # fmt: skip


def booking_rows(booking: dict[str, Any], bare: dict[str, Any], over_bare: float) -> Rows:
    return [
        ("POST appointments (16 clients)",
         f"{booking['per_s']} bookings/s, p50 {booking['p50_ms']} ms, p95 {booking['p95_ms']} ms,"
         f" {booking['succeeded']}/{booking['requests']} ok {booking['mix']} "
         f"({verdict(booking['meets_target'])} >= {BOOKING_TARGET_PER_S:g}/s, 0 errors)"),
        ("  errors", listing(booking["errors"])),
        ("  CPU ms per booking", cpu_line(booking)),
        ("  in-process book() (no commit)",
         f"{booking['in_process']['book_median_ms']} median ms (place() "
         f"{booking['in_process']['place_median_ms']} ms), "
         f"{booking['in_process']['statements_per_booking']} SQL statements per booking"),
        ("bare INSERT + commit (16 clients)",
         f"{bare['per_s']} req/s, p50 {bare['p50_ms']} ms, p95 {bare['p95_ms']} ms, "
         f"{bare['succeeded']}/{bare['requests']} ok"),
        ("  CPU ms per request", cpu_line(bare)),
        ("  booking / bare", f"{over_bare}"),
    ]  # fmt: skip


def closing_rows(result: dict[str, Any]) -> Rows:
    fight = result["contention"]
    return [
        ("64-way race for one slot",
         f"winners {fight['winners']} (booked at slot: {fight['booked_at_slot']}), "
         f"statuses {fight['statuses']}, p50 {fight['p50_ms']} ms, max {fight['max_ms']} ms"),
        ("  loser codes", listing(fight["codes"])),
        ("overlapping occupancy after all", str(result["overlaps_after"])),
        ("clinic serve log: errors", listing(result["server_log_errors"]["clinic serve"])),
        ("load average before / after",
         f"{result['load_average_before']} / {result['load_average_after']} "
         f"({os.cpu_count()} CPUs)"),
    ]  # fmt: skip


def table(result: dict[str, Any]) -> str:
    lines = [
        *seed_rows(result["seed"]),
        *availability_rows(result["availability_http"], result["availability_split"]),
        *booking_rows(result["booking"], result["bare_insert"], result["booking_over_bare"]),
        *closing_rows(result),
    ]
    width = max(len(name) for name, _ in lines)
    window = result["window"]
    title = f"== {result['database']} ({window['first_day']} .. {window['last_day']}) =="
    return "\n".join([title, *(f"{name:<{width}}  {value}" for name, value in lines)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.booking", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="fewer requests: well under a minute")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CLINIC_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="server on which a throwaway database is created and dropped",
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-booking-logs-") as logs:
        for backend in backends:
            results[backend] = run_backend(backend, profile, args.postgres_url, Path(logs))
            print(table(results[backend]), end="\n\n", flush=True)
    document = {
        "benchmark": "booking",
        "quick": args.quick,
        "profile": profile.__dict__,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": {"command": "clinic serve", "workers": WORKERS},
        "results": results,
    }
    print(json.dumps(document, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
