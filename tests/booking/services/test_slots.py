"""The busy read hands the engine exact microsecond spans on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from booking.availability.plan import micros
from booking.models import (
    SUPERVISION,
    AppointmentType,
    Clinician,
    Hold,
    Location,
    Occupancy,
    ResourceKind,
)
from booking.services.context import Actor, Context
from booking.services.slots import _busy
from core.clock import FrozenClock
from core.db import Database

START = datetime(2026, 11, 30, 14, 0, 0, 123_456, tzinfo=UTC)  # on no grid: exactness shows
END = START + timedelta(hours=1, microseconds=1)


def test_busy_spans_are_the_stored_instants(database: Database, clock: FrozenClock) -> None:
    chair = uuid.uuid4()
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        where = Location(name="Harbor", timezone="America/New_York")
        kind = AppointmentType(name="IV", public_name="IV", kind="iv_infusion",
                               clinician_minutes=60)  # fmt: skip
        who = Clinician(name="Dr Exact")
        session.add_all([where, kind, who])
        session.flush()
        hold = Hold(
            appointment_type_id=kind.id, location_id=where.id, clinician_id=who.id,
            starts_at=START, ends_at=END, expires_at=clock.now() + timedelta(days=30),
            created_at=clock.now(),
        )  # fmt: skip
        session.add(hold)
        session.flush()

        def row(resource: uuid.UUID, kind: ResourceKind, key: str, start: datetime) -> Occupancy:
            return Occupancy(
                resource_kind=kind, resource_id=resource, starts_at=start,
                ends_at=start + (END - START),
                session_start=START, share_key=key, hold_id=hold.id,
            )  # fmt: skip

        later = START + timedelta(hours=2, microseconds=7)  # beside, not over, the first
        session.add_all([
            row(who.id, ResourceKind.CLINICIAN, "a", START),
            row(who.id, ResourceKind.CLINICIAN, SUPERVISION, later),
            row(chair, ResourceKind.ROOM, "a", START),
        ])  # fmt: skip
        session.flush()
        since, until = START - timedelta(days=1), START + timedelta(1)
        busy = _busy(ctx, [who.id], [chair], since, until, None, False)
        session.rollback()
    assert busy.exclusive == {who.id: [(micros(START), micros(END))]}
    supervised = (micros(later), micros(later + (END - START)), micros(START))
    assert busy.supervision == {who.id: [supervised]}
    assert busy.rooms == {chair: [(micros(START), micros(END))]}
