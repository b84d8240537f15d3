"""Choosing and checking where a booking goes: the availability engine's verdict as errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from booking import availability as av
from booking.models import AppointmentType, Location
from booking.services.attention import take_turns
from booking.services.context import Context
from booking.services.occupancy import Placement, session_end
from booking.services.slots import (
    load_roster,
    local_day,
    qualified_clinicians,
    read_availability_inputs,
)
from core.clock import as_utc
from core.errors import Conflict, DomainError, Invalid

_MESSAGES = {
    "outside_hours": "that time is outside the clinician's working hours",
    "closed": "the clinic is closed then",
    "time_off": "the clinician is away then",
    "too_soon": "that time is too soon to book",
    "beyond_horizon": "that time is too far ahead to book",
    "misaligned": "that start is not on the booking grid",
    "wrong_room": "that room cannot host this appointment type",
    "no_clinician": "no clinician offers this appointment type then",
}
_TAKEN = frozenset({"clinician_busy", "room_busy", "start_limit"})


def _error(reason: str, starts_at: datetime, now: datetime) -> DomainError:
    if reason in _TAKEN:
        return Conflict("slot_taken", "that time is already taken; choose another", reason=reason)
    if reason == "too_soon" and starts_at <= now:
        return Invalid("in_the_past", "that time has already passed")
    return Invalid(reason, _MESSAGES.get(reason, reason))


@dataclass(frozen=True)
class Candidates:
    """Every placement that fits one start, in preference order, and why the others do not."""

    fitting: list[Placement]
    refused: dict[tuple[uuid.UUID, uuid.UUID | None], str]  # (clinician, room) -> reason
    starts_at: datetime
    now: datetime

    def error(
        self, clinician: uuid.UUID | None = None, room: uuid.UUID | None = None
    ) -> DomainError:
        """The refusal to show when nothing fits (optionally: this clinician and room): a
        taken slot before any other rule."""
        reasons = [
            reason
            for (who, where), reason in self.refused.items()
            if clinician in (None, who) and room in (None, where)
        ] or list(self.refused.values())
        taken = [reason for reason in reasons if reason in _TAKEN]
        reason = taken[-1] if taken else reasons[0] if reasons else "no_clinician"
        return _error(reason, self.starts_at, self.now)


def place(
    ctx: Context,
    *,
    kind: AppointmentType,
    location: Location,
    starts_at: datetime,
    clinician_id: uuid.UUID | None,
    room_id: uuid.UUID | None,
    ignore_appointment: uuid.UUID | None = None,
) -> Placement:
    """The first clinician and room (by preference) that can take ``starts_at``, or an error."""
    query = _query(
        ctx, kind, location, as_utc(starts_at), clinician_id, room_id, ignore_appointment
    )
    refused: dict[tuple[uuid.UUID, uuid.UUID | None], str] = {}
    spot = next(_fitting(query, as_utc(starts_at), room_id, refused), None)
    if spot is None:
        raise Candidates([], refused, as_utc(starts_at), ctx.now).error()
    return spot


def candidates(
    ctx: Context,
    *,
    kind: AppointmentType,
    location: Location,
    starts_at: datetime,
    clinician_id: uuid.UUID | None,
    room_id: uuid.UUID | None,
    ignore_appointment: uuid.UUID | None = None,
) -> Candidates:
    """Like :func:`place`, but every clinician and room that fits (series and reschedules
    choose among them to keep what the patient already has)."""
    starts_at = as_utc(starts_at)
    query = _query(ctx, kind, location, starts_at, clinician_id, room_id, ignore_appointment)
    refused: dict[tuple[uuid.UUID, uuid.UUID | None], str] = {}
    fitting = list(_fitting(query, starts_at, room_id, refused))
    return Candidates(fitting, refused, starts_at, ctx.now)


def _query(
    ctx: Context, kind: AppointmentType, location: Location, starts_at: datetime,
    clinician_id: uuid.UUID | None, room_id: uuid.UUID | None,
    ignore_appointment: uuid.UUID | None,
) -> av.AvailabilityQuery:  # fmt: skip
    day = local_day(starts_at, location.timezone)
    take_turns(ctx, change=False)
    _serialize_start_limit(ctx, kind, clinician_id)
    return read_availability_inputs(
        ctx, location=location, kind=kind, first_day=day - timedelta(days=1),
        last_day=day + timedelta(days=1), clinician_id=clinician_id,
        ignore_appointment=ignore_appointment, busy_between=_reach(kind, starts_at),
        room_id=room_id, clear_expired_holds=True,
    )  # fmt: skip


def _fitting(
    query: av.AvailabilityQuery, starts_at: datetime, room_id: uuid.UUID | None,
    refused: dict[tuple[uuid.UUID, uuid.UUID | None], str],
) -> Iterator[Placement]:  # fmt: skip
    """Placements that fit, lazily (``place`` stops at the first); refusals go to ``refused``."""
    rooms: list[uuid.UUID | None] = [room_id] if room_id else _rooms_for(query)
    for clinician in query.clinician_ids:
        for room in rooms:
            reason = av.fits(query, starts_at=starts_at, clinician_id=clinician, room_id=room)
            if reason is None:
                yield Placement(starts_at=starts_at, clinician_id=clinician, room_id=room)
            else:
                refused[clinician, room] = reason


def _reach(kind: AppointmentType, starts_at: datetime) -> tuple[datetime, datetime]:
    """Every instant a booking at ``starts_at`` is checked against: its buffered span, its
    session, and the start window either side."""
    margin = timedelta(minutes=kind.start_window_minutes)
    before = timedelta(minutes=kind.buffer_before_minutes)
    after = timedelta(minutes=kind.buffer_after_minutes)
    return starts_at - before - margin, session_end(kind, starts_at) + after + margin


def _serialize_start_limit(
    ctx: Context, kind: AppointmentType, clinician_id: uuid.UUID | None
) -> None:
    """A limit of N > 1 starts per window is not expressible as an exclusion constraint, so on
    PostgreSQL bookings of one clinician's supervised starts take turns (SQLite's BEGIN
    IMMEDIATE already serializes every write)."""
    limit = kind.max_starts_per_window
    if limit is None or limit <= 1 or ctx.session.get_bind().dialect.name != "postgresql":
        return
    for clinician in sorted(qualified_clinicians(ctx, type_id=kind.id, only=clinician_id)):
        key = f"clinician-starts:{clinician}"
        ctx.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                            {"key": key})  # fmt: skip


def _rooms_for(query: av.AvailabilityQuery) -> list[uuid.UUID | None]:
    if query.rules.room_minutes == 0:
        return [None]
    return [room.id for room in query.rooms if room.kind == query.rules.room_kind] or [None]


def check_held(ctx: Context, *, kind: AppointmentType, location: Location, spot: Placement) -> None:
    """A live hold keeps its slot from other bookings, not from the clinic's own changes:
    time off, a closure or new hours since it was taken still refuse it. Notice and the grid
    are not checked again (the hold met them when it was taken)."""
    take_turns(ctx, change=False)
    ends_at = session_end(kind, spot.starts_at)
    roster = load_roster(
        ctx, location=location, clinicians=[spot.clinician_id], since=spot.starts_at,
        until=ends_at,
    )  # fmt: skip
    held = av.Booking(uuid.uuid4(), spot.clinician_id, spot.starts_at, ends_at)
    if reason := av.unworkable(roster, [held]).get(held.id):
        raise _error(reason, spot.starts_at, ctx.now)
