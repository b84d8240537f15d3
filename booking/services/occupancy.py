"""Occupancy rows: what an appointment or hold keeps busy, and the guard against overlaps.

PostgreSQL's exclusion constraint (migration 0002) refuses overlapping rows outright; on
SQLite :func:`claim` runs the same test itself inside the ``BEGIN IMMEDIATE`` transaction
that serializes every write. Either way a clash surfaces here as ``slot_taken``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Delete, Select, and_, bindparam, delete, exists, or_, select
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


# The guards below run on every booking: each statement is built once per number of rows,
# with parameters (building and hashing a fresh expression cost more than running it).
def _meets(n: int) -> ColumnElement[bool]:
    """Stored rows on the same resource as the ``n``-th row whose range overlaps its range."""
    return and_(
        Occupancy.resource_id == bindparam(f"resource_{n}"),
        Occupancy.starts_at < bindparam(f"ends_{n}"),
        Occupancy.ends_at > bindparam(f"starts_{n}"),
    )


def _params(rows: list[Occupancy]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for n, row in enumerate(rows):
        params[f"resource_{n}"], params[f"share_{n}"] = row.resource_id, row.share_key
        params[f"starts_{n}"], params[f"ends_{n}"] = row.starts_at, row.ends_at
    return params


@lru_cache(maxsize=16)
def _purge(count: int) -> Delete:
    meets = exists().where(Occupancy.hold_id == Hold.id, or_(*map(_meets, range(count))))
    # Expired holds are few (found by the index on expires_at); each is then checked.
    return delete(Hold).where(Hold.expires_at <= bindparam("now"), meets)


@lru_cache(maxsize=16)
def _clash(count: int) -> Select[uuid.UUID]:
    clash = or_(*(
        and_(_meets(n), Occupancy.share_key != bindparam(f"share_{n}")) for n in range(count)
    ))  # fmt: skip
    return select(Occupancy.id).where(clash).limit(1)


def purge_expired_holds(ctx: Context, rows: list[Occupancy]) -> None:
    """Expired holds stop blocking at once; the first booking that meets one removes it."""
    # Core on the session's connection: no session sync, as this unit of work never loads
    # a hold it has not already dealt with.
    ctx.session.connection().execute(_purge(len(rows)), {**_params(rows), "now": ctx.now})


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
    found = ctx.session.connection().execute(_clash(len(rows)), _params(rows)).first()
    return found is not None


def release(ctx: Context, *, appointment_id: uuid.UUID) -> None:
    ctx.session.execute(delete(Occupancy).where(Occupancy.appointment_id == appointment_id))
    ctx.session.flush()
