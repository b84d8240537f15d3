"""The setup cached per process: a change committed by another process is seen at once."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import event

from booking.models import Location
from booking.schemas.appointments import AvailabilityOut
from booking.schemas.setup import (
    AppointmentTypeIn,
    AppointmentTypePatch,
    ClinicianIn,
    DateOverrideIn,
    LocationIn,
    WorkingHoursIn,
)
from booking.services import clinic_setup, hours, reference
from booking.services.availability import open_slots
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database

MONDAY = date(2026, 11, 30)  # the frozen clock says Thursday 2026-11-26


def _slots(database: Database, clock: FrozenClock, type_id: uuid.UUID) -> AvailabilityOut:
    with database.session(write=False) as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        return open_slots(ctx, appointment_type_id=type_id, first_day=MONDAY, last_day=MONDAY)


def _set_up(database: Database, clock: FrozenClock) -> tuple[uuid.UUID, uuid.UUID]:
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        where = clinic_setup.create_location(
            ctx, data=LocationIn(name="Harbor", timezone="America/New_York")
        )
        kind = clinic_setup.create_appointment_type(ctx, data=AppointmentTypeIn(
            name="Video", public_name="Video", kind="follow_up", clinician_minutes=60,
            slot_step_minutes=60,
        ))  # fmt: skip
        session.flush()
        who = clinic_setup.create_clinician(
            ctx, data=ClinicianIn(name="Dr Cache", appointment_type_ids=[kind.id])
        )
        hours.add_working_hours(ctx, clinician_id=who.id, data=WorkingHoursIn(
            location_id=where.id, weekday=0, start_time=time(9), end_time=time(12),
        ))  # fmt: skip
        session.flush()
        return kind.id, who.id


def test_another_process_sees_a_setup_change_at_once(
    database: Database, clock: FrozenClock
) -> None:
    """Two Database objects on the same database are two processes' caches."""
    other = Database.from_url(database.engine.url.render_as_string(hide_password=False))
    try:
        type_id, clinician_id = _set_up(database, clock)
        assert len(_slots(other, clock, type_id).slots) == 3  # 09:00, 10:00, 11:00 (cached)
        with database.session() as session:  # this process changes the hours
            ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
            where = session.query(Location).one()
            hours.add_date_override(ctx, clinician_id=clinician_id, data=DateOverrideIn(
                location_id=where.id, on_date=MONDAY, start_time=time(9), end_time=time(10),
            ))  # fmt: skip
        assert len(_slots(other, clock, type_id).slots) == 1
        with database.session() as session:  # and the type's own rules
            ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
            clinic_setup.update_appointment_type(
                ctx, type_id=type_id, data=AppointmentTypePatch(clinician_minutes=30,
                                                                slot_step_minutes=30),
            )  # fmt: skip
        assert len(_slots(other, clock, type_id).slots) == 2
    finally:
        other.dispose()


def test_a_rolled_back_change_is_never_cached(database: Database, clock: FrozenClock) -> None:
    type_id, clinician_id = _set_up(database, clock)
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        where = session.query(Location).one()
        hours.add_date_override(ctx, clinician_id=clinician_id, data=DateOverrideIn(
            location_id=where.id, on_date=MONDAY, start_time=None, end_time=None,
        ))  # fmt: skip
        # The same transaction sees its own day off, read fresh rather than from the cache...
        assert reference.current(ctx).version == -1
        seen = open_slots(ctx, appointment_type_id=type_id, first_day=MONDAY, last_day=MONDAY)
        assert seen.slots == []
        session.rollback()
    # ...and nobody keeps it once it is rolled back.
    assert len(_slots(database, clock, type_id).slots) == 3


def test_reading_the_setup_costs_one_statement_once_cached(
    database: Database, clock: FrozenClock
) -> None:
    type_id, _ = _set_up(database, clock)
    _slots(database, clock, type_id)  # fills this process's copy
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        _slots(database, clock, type_id)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    reads = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(reads) == 2, reads  # the setup version, then the busy periods
