"""Overlap reads look back at most LONGEST_ROW before their range (so a booking does not
read a clinician's whole history), which is sound only while no occupancy row lasts longer:
the API's caps on a type's minutes keep every row within it, rows_for refuses a longer
one, and a longest row that began long before the range is still found on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from annotated_types import Le

from booking.availability.plan import micros
from booking.models import AppointmentType, Clinician, Hold, Location
from booking.schemas.setup import AppointmentTypeIn
from booking.services import occupancy
from booking.services.context import Actor, Context
from booking.services.slots import _busy
from core.clock import FrozenClock
from core.db import Database
from core.errors import Conflict

NOON = datetime(2026, 12, 14, 17, tzinfo=UTC)


def _cap(field: str) -> int:
    """The largest value AppointmentTypeIn accepts for ``field``."""
    metadata = AppointmentTypeIn.model_fields[field].metadata
    (limit,) = (m.le for m in metadata if isinstance(m, Le))
    assert isinstance(limit, int)
    return limit


def _longest_type(*, one_start: bool = True) -> AppointmentType:
    """A type at every cap the API allows; ``one_start``: one start per window (a
    supervised clinician row and the start window's own row)."""
    return AppointmentType(
        name="Longest", public_name="Longest", kind="iv_infusion",
        clinician_minutes=_cap("clinician_minutes"), room_minutes=_cap("room_minutes"),
        buffer_before_minutes=_cap("buffer_before_minutes"),
        buffer_after_minutes=_cap("buffer_after_minutes"),
        start_window_minutes=_cap("start_window_minutes"),
        max_starts_per_window=1 if one_start else None,
    )  # fmt: skip


def test_the_longest_type_the_api_accepts_fits_in_the_longest_row() -> None:
    spot = occupancy.Placement(NOON, uuid.uuid4(), uuid.uuid4())
    rows = occupancy.rows_for(_longest_type(), spot, appointment_id=uuid.uuid4())
    assert len(rows) == 3  # clinician, chair, start window
    assert max(row.ends_at - row.starts_at for row in rows) == occupancy.LONGEST_ROW


def test_a_row_longer_than_the_longest_row_is_refused() -> None:
    kind = _longest_type()
    kind.clinician_minutes += 1
    spot = occupancy.Placement(NOON, uuid.uuid4(), None)
    with pytest.raises(ValueError, match="LONGEST_ROW"):
        occupancy.rows_for(kind, spot, appointment_id=uuid.uuid4())


def _hold_longest(ctx: Context) -> tuple[AppointmentType, Clinician, datetime]:
    """A live hold on a longest visit, stored; returns its type, clinician and the instant
    its clinician row ends."""
    where = Location(name="Harbor", timezone="America/New_York")
    kind, who = _longest_type(one_start=False), Clinician(name="Dr Long")
    ctx.session.add_all([where, kind, who])
    ctx.session.flush()
    hold = Hold(
        appointment_type_id=kind.id, location_id=where.id, clinician_id=who.id,
        starts_at=NOON, ends_at=occupancy.session_end(kind, NOON),
        expires_at=ctx.now + timedelta(days=30), created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(hold)
    ctx.session.flush()
    spot = occupancy.Placement(NOON, who.id, None)
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, hold=(hold.id, hold.expires_at)))
    return kind, who, hold.ends_at + timedelta(minutes=kind.buffer_after_minutes)


def test_a_longest_row_that_began_long_before_is_read_and_blocks(
    database: Database, clock: FrozenClock
) -> None:
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        kind, who, last = _hold_longest(ctx)
        # A range that opens in the row's last minute, LONGEST_ROW after it began.
        since, until = last - timedelta(minutes=1), last + timedelta(hours=1)
        busy = _busy(ctx, [who.id], [], since, until, None, False)
        assert busy.exclusive[who.id] == [(micros(last - occupancy.LONGEST_ROW), micros(last))]
        spot = occupancy.Placement(last - timedelta(minutes=1), who.id, None)
        rows = occupancy.rows_for(kind, spot, appointment_id=uuid.uuid4())
        with pytest.raises(Conflict) as refused:
            occupancy.claim(ctx, rows[:1])
        session.rollback()
    assert refused.value.code == "slot_taken"
