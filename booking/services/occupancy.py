"""Occupancy rows: what an appointment or hold keeps busy, and the guard against overlaps.

PostgreSQL's exclusion constraint (migration 0002) refuses overlapping rows outright; on
SQLite :func:`claim` runs the same test itself inside the ``BEGIN IMMEDIATE`` transaction
that serializes every write. Either way a clash surfaces here as ``slot_taken``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from booking.models import SUPERVISION, AppointmentType, Hold, Occupancy, ResourceKind
from booking.services.context import Context
from core.db import lost_race
from core.errors import Conflict

_START_NAMESPACE = uuid.UUID("6f1c3a52-8e0b-4c8e-9d55-3c2f0e4a7b10")


def start_resource(clinician_id: uuid.UUID) -> uuid.UUID:
    """The resource id of a clinician's treatment starts (distinct from the clinician's own)."""
    return uuid.uuid5(_START_NAMESPACE, str(clinician_id))


@dataclass(frozen=True)
class Placement:
    """Where and when: a start, a clinician and (when the type needs one) a room."""

    starts_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None


def session_end(kind: AppointmentType, starts_at: datetime) -> datetime:
    return starts_at + timedelta(minutes=max(kind.clinician_minutes, kind.room_minutes))


def rows_for(
    kind: AppointmentType,
    place: Placement,
    *,
    appointment_id: uuid.UUID | None = None,
    hold: tuple[uuid.UUID, datetime] | None = None,
) -> list[Occupancy]:
    """The occupancy rows a booking of ``kind`` at ``place`` needs, owned by an appointment
    or by a hold (its id and expiry)."""
    hold_id, expires_at = hold if hold else (None, None)
    owner_key = str(appointment_id or hold_id)
    before = timedelta(minutes=kind.buffer_before_minutes)
    after = timedelta(minutes=kind.buffer_after_minutes)
    start = place.starts_at
    supervised = kind.max_starts_per_window is not None

    def row(resource: ResourceKind, rid: uuid.UUID, end: datetime, key: str) -> Occupancy:
        # The id is set here, not by the column default: with every key known the flush
        # sends one executemany and needs no RETURNING (PostgreSQL: pipelined, one short
        # statement instead of a long multi-row one built per booking).
        return Occupancy(
            id=uuid.uuid4(), resource_kind=resource, resource_id=rid, starts_at=start - before,
            ends_at=end, session_start=start, share_key=key, expires_at=expires_at,
            appointment_id=appointment_id, hold_id=hold_id,
        )  # fmt: skip

    clinician_end = start + timedelta(minutes=kind.clinician_minutes) + after
    rows = [
        row(ResourceKind.CLINICIAN, place.clinician_id, clinician_end,
            SUPERVISION if supervised else owner_key)
    ]  # fmt: skip
    if place.room_id is not None:
        room_end = start + timedelta(minutes=kind.room_minutes) + after
        rows.append(row(ResourceKind.ROOM, place.room_id, room_end, owner_key))
    if kind.max_starts_per_window == 1:
        # One start per window is exactly "these windows may not overlap".
        window_end = start + timedelta(minutes=kind.start_window_minutes)
        window = row(ResourceKind.CLINICIAN_START, start_resource(place.clinician_id),
                     window_end, owner_key)  # fmt: skip
        window.starts_at = start
        rows.append(window)
    return rows


def _meets(row: Occupancy) -> ColumnElement[bool]:
    """Stored rows on the same resource whose range overlaps ``row``'s."""
    return and_(
        Occupancy.resource_id == row.resource_id,
        Occupancy.starts_at < row.ends_at,
        Occupancy.ends_at > row.starts_at,
    )


def purge_expired_holds(ctx: Context, rows: list[Occupancy]) -> None:
    """Expired holds stop blocking at once; the first booking that meets one removes it."""
    meets = exists().where(Occupancy.hold_id == Hold.id, or_(*map(_meets, rows)))
    # Expired holds are few (found by the index on expires_at); each is then checked. No
    # session sync: this unit of work never loads a hold it has not already dealt with.
    purge = delete(Hold).where(Hold.expires_at <= ctx.now, meets)
    ctx.session.execute(purge.execution_options(synchronize_session=False))


def claim(ctx: Context, rows: list[Occupancy]) -> None:
    """Insert the rows; an overlap lost to a concurrent booking becomes a 409.

    The checks below touch only occupancy and holds, so they do not autoflush what the
    caller added: the one flush at the end writes the owner, its rows and its audit."""
    with ctx.session.no_autoflush:
        purge_expired_holds(ctx, rows)
        if ctx.session.get_bind().dialect.name == "sqlite" and _clashes(ctx, rows):
            raise Conflict("slot_taken", "that time is already taken; choose another")
    ctx.session.add_all(rows)
    try:
        ctx.session.flush()
    except DBAPIError as exc:
        lost = lost_race(exc) or (
            isinstance(exc, IntegrityError) and "ex_occupancy_no_overlap" in str(exc.orig)
        )
        if lost:
            raise Conflict("slot_taken", "that time was just taken; choose another") from exc
        raise


def _clashes(ctx: Context, rows: list[Occupancy]) -> bool:
    """SQLite's stand-in for PostgreSQL's exclusion constraint, word for word: the same
    resource, overlapping ranges, a different share key. BEGIN IMMEDIATE makes it atomic
    with the insert, so no write path can skip the guard, whatever it checked before."""
    clash = or_(*(and_(_meets(row), Occupancy.share_key != row.share_key) for row in rows))
    return ctx.session.scalars(select(Occupancy.id).where(clash).limit(1)).first() is not None


def release(ctx: Context, *, appointment_id: uuid.UUID) -> None:
    ctx.session.execute(delete(Occupancy).where(Occupancy.appointment_id == appointment_id))
    ctx.session.flush()
