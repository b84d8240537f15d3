"""A claim trusts a placement's clearing of expired holds only where and while it holds.

An expired hold still stored blocks a claim on either database (PostgreSQL's exclusion
constraint, SQLite's overlap check) until it is deleted. A placement that cleared expired
holds around a slot spares the claim its own look; a note from another transaction, a
rolled-back savepoint or another stretch of time must not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.models import AppointmentType, Clinician, Hold, Location
from booking.services import occupancy
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.errors import Conflict

NINE = datetime(2026, 11, 30, 14, tzinfo=UTC)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def _ctx(session: Session, clock: FrozenClock) -> Context:
    return Context(session=session, actor=Actor.system("test"), now=clock.now())


def _expired_hold(ctx: Context) -> tuple[AppointmentType, occupancy.Placement]:
    """A consult held at 09:00 whose hold ran out a minute ago, committed."""
    where = Location(name="Harbor", timezone="America/New_York")
    kind = AppointmentType(name="Consult", public_name="Consult", kind="consult",
                           clinician_minutes=60)  # fmt: skip
    who = Clinician(name="Dr Held")
    ctx.session.add_all([where, kind, who])
    ctx.session.flush()
    spot = occupancy.Placement(NINE, who.id, None)
    hold = Hold(
        id=uuid.uuid4(), appointment_type_id=kind.id, location_id=where.id, clinician_id=who.id,
        starts_at=NINE, ends_at=occupancy.session_end(kind, NINE),
        expires_at=ctx.now - timedelta(minutes=1), created_at=ctx.now - timedelta(minutes=11),
    )  # fmt: skip
    ctx.session.add(hold)
    ctx.session.flush()
    ctx.session.add_all(occupancy.rows_for(kind, spot, hold=(hold.id, hold.expires_at)))
    ctx.session.commit()
    return kind, spot


def _claim_a_hold(ctx: Context, kind: AppointmentType, spot: occupancy.Placement) -> None:
    hold = Hold(
        id=uuid.uuid4(), appointment_type_id=kind.id, location_id=_location(ctx),
        clinician_id=spot.clinician_id, starts_at=spot.starts_at,
        ends_at=occupancy.session_end(kind, spot.starts_at),
        expires_at=ctx.now + timedelta(minutes=10), created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(hold)
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, hold=(hold.id, hold.expires_at)))


def _location(ctx: Context) -> uuid.UUID:
    return ctx.session.execute(select(Location.id)).scalar_one()


def _holds(ctx: Context) -> int:
    return ctx.session.execute(select(func.count()).select_from(Hold)).scalar_one()


def _note(ctx: Context, spot: occupancy.Placement, *, hours: int = 2) -> None:
    """What a placement's busy read notes, in the transaction it read in."""
    _holds(ctx)
    occupancy.cleared(
        ctx, clinicians=[spot.clinician_id], rooms=[], since=NINE - timedelta(hours=1),
        until=NINE + timedelta(hours=hours),
    )  # fmt: skip


def test_a_claim_removes_the_expired_hold_it_meets(session: Session, clock: FrozenClock) -> None:
    ctx = _ctx(session, clock)
    kind, spot = _expired_hold(ctx)
    _claim_a_hold(ctx, kind, spot)
    assert _holds(ctx) == 1  # the new one


def test_a_note_from_an_earlier_transaction_is_not_trusted(
    session: Session, clock: FrozenClock
) -> None:
    ctx = _ctx(session, clock)
    kind, spot = _expired_hold(ctx)
    _note(ctx, spot)  # noted, then committed: the next transaction looks again
    session.commit()
    _claim_a_hold(ctx, kind, spot)
    assert _holds(ctx) == 1


def test_a_note_from_a_rolled_back_savepoint_is_not_trusted(
    session: Session, clock: FrozenClock
) -> None:
    ctx = _ctx(session, clock)
    kind, spot = _expired_hold(ctx)
    savepoint = session.begin_nested()
    _note(ctx, spot)
    savepoint.rollback()
    _claim_a_hold(ctx, kind, spot)
    assert _holds(ctx) == 1


def test_a_note_that_does_not_cover_the_rows_is_not_trusted(
    session: Session, clock: FrozenClock
) -> None:
    ctx = _ctx(session, clock)
    kind, spot = _expired_hold(ctx)
    _note(ctx, spot, hours=0)  # ends at 09:00: the hold's 09:00-10:00 is not covered
    _note(ctx, occupancy.Placement(NINE, uuid.uuid4(), None))  # another clinician
    _claim_a_hold(ctx, kind, spot)
    assert _holds(ctx) == 1


def test_a_covering_note_spares_the_claim_its_look(session: Session, clock: FrozenClock) -> None:
    """The note is trusted as given: a wrong one would let the stale hold block (a 409,
    never an overlap)."""
    ctx = _ctx(session, clock)
    kind, spot = _expired_hold(ctx)
    _note(ctx, spot)
    with pytest.raises(Conflict):
        _claim_a_hold(ctx, kind, spot)
