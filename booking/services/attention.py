"""Appointments that need the front desk's attention: active and still to come, but their
clinician is away or no longer active, their location closed or no longer active, their
chair out of use, or they fall outside their clinician's hours.

Derived from the facts on every read, never stored, so the list cannot go stale: moving an
appointment into valid time or cancelling it takes it off, and so does undoing the change
that stranded it. A change to hours, time off or closures that would strand appointments
answers 409 ``affects_appointments`` naming them, unless the caller confirms it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from booking import availability as av
from booking.availability import StrandReason
from booking.models import Appointment, AppointmentStatus, Clinician, Location, Patient, Room
from booking.models.setup import clinician_appointment_types
from booking.services import reference
from booking.services.context import Context
from booking.services.slots import load_roster
from core.errors import Conflict

ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
# No appointment lies further ahead: a booking's horizon is at most 730 days from "now".
HORIZON = timedelta(days=731)


@dataclass(frozen=True)
class Scope:
    """Which appointments a change can touch: one clinician's or one location's, over
    [since, until) (the whole future when not given)."""

    clinician_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def around_date(cls, clinician_id: uuid.UUID, on_date: date) -> Scope:
        """A local date anywhere on Earth lies within a day either side of the UTC date."""
        midnight = datetime.combine(on_date, time(), UTC)
        return cls(clinician_id, None, midnight - timedelta(days=1), midnight + timedelta(days=2))


@dataclass(frozen=True)
class Stranded:
    appointment_id: uuid.UUID
    starts_at: datetime  # in the location's zone
    ends_at: datetime
    clinician_id: uuid.UUID
    location_id: uuid.UUID
    status: AppointmentStatus
    patient_initials: str
    reason: StrandReason


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    clinician_id: uuid.UUID
    location_id: uuid.UUID
    status: AppointmentStatus
    initials: str
    retired: StrandReason | None  # its clinician, location or chair is no longer active


def _retired(
    clinician: bool, location: bool, room: bool | None, qualified: bool
) -> StrandReason | None:
    if not location:
        return StrandReason.LOCATION_INACTIVE
    if not clinician:
        return StrandReason.CLINICIAN_INACTIVE
    if room is False:
        return StrandReason.ROOM_INACTIVE
    return None if qualified else StrandReason.CLINICIAN_UNQUALIFIED


def _candidates(ctx: Context, scope: Scope) -> list[_Row]:
    """Active appointments still to come within the scope: columns only, one query, in an
    order that groups them by location."""
    since = max(scope.since or ctx.now, ctx.now)
    until = min(scope.until or ctx.now + HORIZON, ctx.now + HORIZON)
    a, p = Appointment, Patient
    columns = (a.id, a.starts_at, a.ends_at, a.clinician_id, a.location_id, a.status)
    initials = (func.substr(p.given_name, 1, 1), func.substr(p.family_name, 1, 1))
    link = clinician_appointment_types.c
    qualified = (
        select(link.clinician_id)
        .where(link.clinician_id == a.clinician_id)
        .where(link.appointment_type_id == a.appointment_type_id)
        .exists()
    )
    in_use = (Clinician.active, Location.active, Room.active, qualified)
    query = (
        select(*columns, *initials, *in_use)
        .join(p, p.id == a.patient_id)
        .join(Clinician, Clinician.id == a.clinician_id)
        .join(Location, Location.id == a.location_id)
        .outerjoin(Room, Room.id == a.room_id)
        .where(a.status.in_(ACTIVE), a.starts_at >= ctx.now, a.starts_at < until)
        .where(a.ends_at > since)
        .order_by(a.location_id, a.starts_at, a.id)
    )
    if scope.clinician_id is not None:
        query = query.where(a.clinician_id == scope.clinician_id)
    if scope.location_id is not None:
        query = query.where(a.location_id == scope.location_id)
    return [
        _Row(id_, start, end, clinician, location, status, f"{given}{family}".upper(),
             _retired(clinician_active, location_active, room_active, qualified))
        for (id_, start, end, clinician, location, status, given, family,
             clinician_active, location_active, room_active, qualified)
        in ctx.session.execute(query)
    ]  # fmt: skip


def needs_attention(ctx: Context, *, scope: Scope | None = None) -> list[Stranded]:
    """Every active appointment to come (within ``scope``) that its clinician cannot work,
    soonest first. A few queries per location, whatever the number of appointments."""
    found: list[Stranded] = []
    for location_id, group in groupby(_candidates(ctx, scope or Scope()), lambda r: r.location_id):
        rows = list(group)
        location = ctx.get(Location, location_id, "location")
        roster = load_roster(
            ctx, location=location, clinicians=sorted({r.clinician_id for r in rows}),
            since=rows[0].starts_at, until=max(r.ends_at for r in rows),
        )  # fmt: skip
        bookings = [av.Booking(r.id, r.clinician_id, r.starts_at, r.ends_at) for r in rows]
        reasons = av.unworkable(roster, bookings)
        reasons |= {r.id: r.retired for r in rows if r.retired}
        found += [_stranded(r, reasons[r.id], roster) for r in rows if r.id in reasons]
    return sorted(found, key=lambda s: (s.starts_at, str(s.appointment_id)))


def _stranded(row: _Row, reason: StrandReason, roster: av.Roster) -> Stranded:
    return Stranded(
        appointment_id=row.id, starts_at=row.starts_at.astimezone(roster.zone),
        ends_at=row.ends_at.astimezone(roster.zone), clinician_id=row.clinician_id,
        location_id=row.location_id, status=row.status, patient_initials=row.initials,
        reason=reason,
    )  # fmt: skip


def take_turns(ctx: Context, *, change: bool) -> None:
    """Schedule changes and placements take turns on PostgreSQL, where neither would see the
    other's uncommitted rows: a booking could land in new time off unnamed. Placements share
    the lock (they never wait for each other); SQLite's BEGIN IMMEDIATE already serializes.
    Once a placement has its turn it reads the setup version again: the one read with the
    sign-in may predate the change it waited for."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return
    if not change and ctx.session.info.get(_SHARED) is ctx.session.get_transaction():
        return  # taken with the sign-in (SHARED_TURN)
    # One round trip: the function (migration 0013) reads the version once the lock is held.
    version = ctx.session.execute(_TURN, {"exclusive": change}).scalar()
    reference.read_again(ctx.session)
    reference.remember_version(ctx.session, version)


# A placement's turn as a column of a statement the request sends anyway (a booking's
# sign-in, sessions.authenticate): its value is the setup version, read once the lock is
# held. PostgreSQL only. The caller tells the session with took_shared_turn.
SHARED_TURN = func.take_schedule_turn(False).label("setup_version")
_SHARED = "schedule_turn"  # session.info: the transaction holding the shared turn


def took_shared_turn(session: Session, version: int | None) -> None:
    """This transaction holds the placements' shared turn (SHARED_TURN), and ``version`` is
    the setup version it read once the lock was held."""
    reference.read_again(session)
    reference.remember_version(session, version)
    session.info[_SHARED] = session.get_transaction()


_TURN = text("SELECT take_schedule_turn(:exclusive)")


@contextmanager
def guard(ctx: Context, scope: Scope, *, confirmed: bool) -> Iterator[None]:
    """Wraps a change to hours, time off or closures: once it is flushed, the appointments
    it strands (those in ``scope`` that could be worked before and cannot now) are a 409
    ``affects_appointments`` naming them, unless ``confirmed``. The 409 rolls the change back
    with the request; a confirmed change puts them on the needs-attention list."""
    take_turns(ctx, change=True)
    before = {s.appointment_id for s in needs_attention(ctx, scope=scope)}
    yield
    ctx.session.flush()
    affected = [s for s in needs_attention(ctx, scope=scope) if s.appointment_id not in before]
    if affected and not confirmed:
        raise Conflict(
            "affects_appointments",
            f"this change strands {len(affected)} booked appointment(s); move or cancel them "
            "first, or repeat the request with confirm_affected=true to list them as needing "
            "attention",
            appointments=[_named(s) for s in affected],
        )


def _named(stranded: Stranded) -> dict[str, Any]:
    # What the desk needs to find the appointment, and nothing more about the patient.
    return {
        "appointment_id": str(stranded.appointment_id),
        "starts_at": stranded.starts_at.isoformat(),
        "clinician_id": str(stranded.clinician_id),
        "patient_initials": stranded.patient_initials,
        "reason": stranded.reason,
    }
