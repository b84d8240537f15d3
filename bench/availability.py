"""Availability: HTTP GET /api/v1/availability for the IV type over 30 days, then its split.

Over HTTP (staff token, one keep-alive connection): median and p95, beside GET /health as
the HTTP floor. Then in-process on the same database while the server sits idle: reading the
inputs (the database read), find_slots (the computation), building the response model,
model_dump_json, the time CPython's cyclic GC took out of the total, and the bare read of
the same occupancy rows (raw SQL text, untyped rows) beside the same select through
SQLAlchemy Core with the product's column types.
"""

from __future__ import annotations

import gc
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Uuid, bindparam, or_, select, text
from sqlalchemy.engine import Connection

from bench.clinic import ZONE, Clinic
from bench.harness import client, ms, summary_ms
from booking import availability as av
from booking.models import AppointmentType, Location, Occupancy
from booking.schemas.appointments import AvailabilityOut, SlotOut
from booking.services.context import Actor, Context
from booking.services.occupancy import starts_after
from booking.services.slots import read_availability_inputs
from core.clock import SystemClock
from core.db import Database
from core.types import UTCDateTime

_clock = SystemClock()
PHASES = ("total", "read_inputs", "find_slots", "build_response", "json_encode", "gc")


def measure_availability_http(
    base: str, clinic: Clinic, first: date, last: date, requests: int
) -> dict[str, Any]:
    params = {"appointment_type_id": str(clinic.iv_type_id),
              "start": first.isoformat(), "end": last.isoformat()}  # fmt: skip
    with client(base, clinic.headers) as http:
        for _ in range(3):  # warm the worker that owns this keep-alive connection
            warm = http.get("/api/v1/availability", params=params)
            warm.raise_for_status()
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = http.get("/api/v1/availability", params=params)
            times.append(time.perf_counter() - started)
            response.raise_for_status()
        health = []
        for _ in range(requests):
            started = time.perf_counter()
            http.get("/health").raise_for_status()
            health.append(time.perf_counter() - started)
    return {
        "requests": requests,
        **summary_ms(times),
        "slots": len(response.json()["slots"]),
        "response_bytes": len(response.content),
        "health_median_ms": ms(statistics.median(health)),
    }


BARE_READ = text(
    "SELECT resource_kind, resource_id, starts_at, ends_at, session_start, share_key "
    "FROM occupancy WHERE resource_id IN :ids AND starts_at < :until AND starts_at > :reach "
    "AND ends_at > :since AND (expires_at IS NULL OR expires_at > :now)"
).bindparams(
    bindparam("ids", expanding=True, type_=Uuid()),
    bindparam("until", type_=UTCDateTime()),
    bindparam("reach", type_=UTCDateTime()),
    bindparam("since", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
)


def typed_read(
    conn: Connection, ids: list[uuid.UUID], since: datetime, until: datetime, now: datetime
) -> int:
    """The same rows as the availability busy read, with the product's column types (Core)."""
    query = select(
        Occupancy.resource_kind, Occupancy.resource_id, Occupancy.starts_at,
        Occupancy.ends_at, Occupancy.session_start, Occupancy.share_key,
    ).where(
        Occupancy.resource_id.in_(ids), Occupancy.starts_at < until,
        Occupancy.starts_at > starts_after(since), Occupancy.ends_at > since,
        or_(Occupancy.expires_at.is_(None), Occupancy.expires_at > now),
    )  # fmt: skip
    return len(conn.execute(query).fetchall())


class GcPauses:
    """Time spent in CPython's cyclic garbage collector while the block runs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)


def split_once(
    database: Database, clinic: Clinic, first: date, last: date
) -> tuple[dict[str, float], av.AvailabilityQuery, int, int]:
    """One in-process availability request: seconds by phase, the query, slots, JSON bytes."""
    t0 = time.perf_counter()
    with GcPauses() as pauses, database.session(write=False) as session:
        ctx = Context(session=session, actor=Actor.system("bench"), now=_clock.now())
        kind = session.get_one(AppointmentType, clinic.iv_type_id)
        location = session.get_one(Location, clinic.location_id)
        t1 = time.perf_counter()
        query = read_availability_inputs(
            ctx, location=location, kind=kind, first_day=first, last_day=last
        )
        t2 = time.perf_counter()
        found = av.find_slots(query)
        t3 = time.perf_counter()
        zone = ZoneInfo(location.timezone)
        out = AvailabilityOut(
            appointment_type_id=kind.id, location_id=location.id, timezone=zone.key,
            slots=[SlotOut(starts_at=s.starts_at.astimezone(zone),
                           ends_at=s.ends_at.astimezone(zone),
                           clinician_id=s.clinician_id, room_id=s.room_id) for s in found],
        )  # fmt: skip
        t4 = time.perf_counter()
        body = out.model_dump_json()
        t5 = time.perf_counter()
    spent = {"total": t5 - t0, "read_inputs": t2 - t1, "find_slots": t3 - t2,
             "build_response": t4 - t3, "json_encode": t5 - t4, "gc": pauses.seconds}  # fmt: skip
    return spent, query, len(found), len(body)


def reads_once(
    database: Database, query: av.AvailabilityQuery, first: date, last: date
) -> tuple[float, float, int]:
    """The busy read of ``query``'s resources, bare then typed: seconds each, and rows."""
    ids = [*query.clinician_ids, *(room.id for room in query.rooms)]
    since = datetime.combine(first, wall_time(), ZONE).astimezone(UTC) - timedelta(days=1)
    until = datetime.combine(last, wall_time(), ZONE).astimezone(UTC) + timedelta(days=2)
    now = _clock.now()
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # check the connection out before the clock starts
        t0 = time.perf_counter()
        fetched = conn.execute(
            BARE_READ,
            {"ids": ids, "until": until, "reach": starts_after(since), "since": since, "now": now},
        ).fetchall()
        t1 = time.perf_counter()
        typed_read(conn, ids, since, until, now)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(fetched)


def measure_split(
    database: Database, clinic: Clinic, first: date, last: date, repeats: int
) -> dict[str, Any]:
    """The request's parts, in-process on the same database (the server sits idle)."""
    # As `clinic serve` does in each worker (booking.app.serve_app): without it, a full GC
    # pass over this process's long-lived heap lands in some timed round.
    gc.collect()
    gc.freeze()
    phases: dict[str, list[float]] = {name: [] for name in PHASES}
    bare: list[float] = []
    typed: list[float] = []
    rows = slots = encoded = 0
    for _ in range(repeats + 1):  # the first round warms caches and is dropped
        spent, query, slots, encoded = split_once(database, clinic, first, last)
        for name in PHASES:
            phases[name].append(spent[name])
        bare_s, typed_s, rows = reads_once(database, query, first, last)
        bare.append(bare_s)
        typed.append(typed_s)
    median = {name: ms(statistics.median(values[1:])) for name, values in phases.items()}
    return {
        "repeats": repeats,
        "read_inputs_ms": median["read_inputs"],
        "find_slots_ms": median["find_slots"],
        "build_response_ms": median["build_response"],
        "json_encode_ms": median["json_encode"],
        "in_process_total_ms": median["total"],
        "in_process_total_max_ms": ms(max(phases["total"][1:])),
        "gc_pause_ms": median["gc"],
        "gc_pause_max_ms": ms(max(phases["gc"][1:])),
        "bare_read_ms": ms(statistics.median(bare[1:])),
        "typed_read_ms": ms(statistics.median(typed[1:])),
        "bare_read_rows": rows,
        "slots": slots,
        "json_bytes": encoded,
    }
