"""Booking throughput: what to book, and what one booking costs in-process.

``plan_bookings`` takes distinct bookings from GET /availability, clinician by clinician,
chosen with ``Ledger`` so that no two can collide (half IV where free chairs allow, the rest
consults), plus one more consult slot for the contention race. ``bench.load.hammer`` sends
them. ``measure_book_in_process`` is the service's own cost per booking without HTTP or
commit, with ``place()`` alone and the number of SQL statements it sends.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bench.clinic import ESCORT, Clinic, Ledger
from bench.harness import client, ms
from bench.load import Job
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location
from booking.schemas.appointments import BookingIn
from booking.services import appointments, occupancy
from booking.services.context import Actor, Context
from booking.services.placement import place
from core.clock import SystemClock
from core.db import Database

_clock = SystemClock()


@dataclass(frozen=True)
class Candidate:
    kind: AppointmentType
    spot: occupancy.Placement


# --------------------------------------------------------------------------- planning


def candidates_from_availability(
    http: httpx.Client, clinic: Clinic, kind: AppointmentType, first: date, last: date
) -> list[Candidate]:
    """Every start GET /availability offers, asked clinician by clinician."""
    found = []
    for clinician in clinic.clinician_ids:
        response = http.get("/api/v1/availability", params={
            "appointment_type_id": str(kind.id), "start": first.isoformat(),
            "end": last.isoformat(), "clinician_id": str(clinician),
        })  # fmt: skip
        response.raise_for_status()
        for slot in response.json()["slots"]:
            room = uuid.UUID(slot["room_id"]) if slot["room_id"] else None
            starts_at = datetime.fromisoformat(slot["starts_at"]).astimezone(UTC)
            found.append(Candidate(kind, occupancy.Placement(starts_at, clinician, room)))
    return found


def choose(
    pools: Sequence[tuple[list[Candidate], int]], count: int, race_slot: Candidate,
    take: Callable[[Candidate], bool],
) -> list[Candidate]:  # fmt: skip
    """Up to ``count`` candidates that ``take`` accepts, at most ``quota`` from each pool."""
    chosen: list[Candidate] = []
    for pool, quota in pools:
        taken = 0
        for candidate in pool:
            if len(chosen) == count or taken == quota:
                break
            if candidate is not race_slot and take(candidate):
                chosen.append(candidate)
                taken += 1
    return chosen


def booking_job(clinic: Clinic, candidate: Candidate, number: int) -> Job:
    """The staff POST /appointments that books ``candidate``."""
    body: dict[str, Any] = {
        "appointment_type_id": str(candidate.kind.id), "location_id": str(clinic.location_id),
        "starts_at": candidate.spot.starts_at.isoformat(),
        "clinician_id": str(candidate.spot.clinician_id),
        "patient_id": str(clinic.patient_ids[number % len(clinic.patient_ids)]),
    }  # fmt: skip
    if candidate.spot.room_id is not None:
        body["room_id"] = str(candidate.spot.room_id)
    if candidate.kind.requires_escort:
        body["escort"] = ESCORT
    return Job("/api/v1/appointments", body, candidate.kind.kind.value)


def plan_bookings(
    base: str, database: Database, clinic: Clinic, first: date, last: date, count: int
) -> tuple[list[Job], Candidate]:
    """``count`` bookings that are free now and cannot collide with each other (half IV,
    half consults where the chairs allow), plus one more consult slot for the race."""
    rng = random.Random(400)
    with database.session(write=False) as session:
        iv = session.get_one(AppointmentType, clinic.iv_type_id)
        consult = session.get_one(AppointmentType, clinic.consult_type_id)
    with client(base, clinic.headers) as http:
        ivs = candidates_from_availability(http, clinic, iv, first, last)
        consults = candidates_from_availability(http, clinic, consult, first, last)
    rng.shuffle(ivs)
    rng.shuffle(consults)
    ledger = Ledger()

    def take(candidate: Candidate) -> bool:
        rows = occupancy.rows_for(candidate.kind, candidate.spot, appointment_id=uuid.uuid4())
        return ledger.take(rows)

    # The race slot: a consult at least two days out (online booking needs 12 h notice).
    soon = _clock.now() + timedelta(days=2)
    race_slot = next(c for c in consults if c.spot.starts_at > soon and take(c))
    chosen = choose(((ivs, count // 2), (consults, count)), count, race_slot, take)
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} compatible free slots for {count} bookings")
    rng.shuffle(chosen)
    return [booking_job(clinic, c, n) for n, c in enumerate(chosen)], race_slot


def count_booked(database: Database) -> int:
    with database.session(write=False) as session:
        query = select(func.count()).select_from(Appointment)
        return int(session.scalar(query.where(Appointment.status == AppointmentStatus.BOOKED)) or 0)


# --------------------------------------------------------------------------- in-process


class StatementCount:
    """SQL statements an engine sends while the block runs, summed over every use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = 0

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def __enter__(self) -> StatementCount:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def time_book(ctx: Context, data: BookingIn) -> float:
    """Seconds for ``appointments.book`` and its flush (the caller rolls back)."""
    started = time.perf_counter()
    appointments.book(ctx, data=data)
    ctx.session.flush()
    return time.perf_counter() - started


def time_place(ctx: Context, data: BookingIn) -> float:
    """Seconds for ``place()`` alone: the availability check of the same booking."""
    assert data.appointment_type_id is not None
    assert data.starts_at is not None
    kind = ctx.session.get_one(AppointmentType, data.appointment_type_id)
    location = ctx.session.get_one(Location, data.location_id)
    started = time.perf_counter()
    place(
        ctx, kind=kind, location=location, starts_at=data.starts_at,
        clinician_id=data.clinician_id, room_id=data.room_id,
    )  # fmt: skip
    return time.perf_counter() - started


def measure_book_in_process(database: Database, jobs: Sequence[Job]) -> dict[str, Any]:
    """The service's own cost per booking without HTTP or commit (each is rolled back), the
    SQL statements it sends, and how much of it is ``place()`` (the availability check)."""
    writer = database.engine
    if database.is_sqlite:
        writer = writer.execution_options(sqlite_immediate=True)
    counter = StatementCount(database.engine)
    spent: dict[str, list[float]] = {}
    placing: list[float] = []
    for job in jobs:
        data = BookingIn.model_validate(job.body)
        with Session(bind=writer, expire_on_commit=False) as session:
            ctx = Context(session=session, actor=Actor.system("bench"), now=_clock.now())
            with counter:
                spent.setdefault(job.label, []).append(time_book(ctx, data))
            session.rollback()
            placing.append(time_place(ctx, data))
            session.rollback()
    return {
        "bookings": len(jobs),
        "book_median_ms": {label: ms(statistics.median(values)) for label, values in spent.items()},
        "place_median_ms": ms(statistics.median(placing)),
        "statements_per_booking": round(counter.statements / len(jobs), 1),
    }
