"""A clinician's days: their own appointments only, by local date, with names to read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from booking import demo
from booking.services import notices, schedule
from booking.services.context import Context
from core.clock import FrozenClock
from core.db import Database
from tests.booking.web.setup_helpers import book_consultation, clinician_id


def test_days_hold_one_clinicians_appointments_by_local_date(
    database: Database, clock: FrozenClock, ctx: Context
) -> None:
    demo.seed(ctx)
    ctx.session.commit()
    late = datetime(2026, 11, 26, 21, tzinfo=UTC)  # another clinician's, the same day
    mine = book_consultation(
        database,
        clock,
        clinician="Dr. Maya Okafor",
        patient="Alex",
        at=datetime(2026, 11, 26, 17, tzinfo=UTC),
    )
    book_consultation(database, clock, clinician="Dr. Samuel Reyes", patient="Priya", at=late)
    okafor = clinician_id(database, "Dr. Maya Okafor")
    days = schedule.days(ctx, clinician_id=okafor, first=date(2026, 11, 25), count=3)
    assert [d.on for d in days] == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
    assert [[v.appointment_id for v in d.visits] for d in days] == [[], [mine], []]
    visit = days[1].visits[0]
    assert (visit.patient, visit.room, visit.location) == (
        "Alex Morgan",
        "Consult room",
        "Harbor Clinic",
    )
    assert visit.starts_at.hour == 12  # in the location's zone
    assert notices.tasks(ctx, clinician_id=okafor) == []
