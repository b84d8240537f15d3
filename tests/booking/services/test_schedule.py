"""A clinician's days: their own appointments only, by local date, with names to read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from booking import demo
from booking.services import notices, schedule
from booking.services.context import Context
from core.clock import FrozenClock
from core.db import Database
from scheduler.rules import NoticeKind
from tests.booking.web.setup_helpers import (
    book_consultation,
    clinician_id,
    esketamine_session_done,
)


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


def test_a_clinicians_tasks_are_the_rems_forms_of_their_own_sessions(
    database: Database, clock: FrozenClock, ctx: Context
) -> None:
    demo.seed(ctx)
    ctx.session.commit()
    okafor = clinician_id(database, "Dr. Maya Okafor")
    reyes = clinician_id(database, "Dr. Samuel Reyes")  # looked up before this ctx writes
    session_id = esketamine_session_done(ctx, okafor)
    mine = notices.tasks(ctx, clinician_id=okafor)
    assert [(t.kind, t.appointment_id, t.patient_initials) for t in mine] == [
        (NoticeKind.REMS_FORM, session_id, "AM")
    ]
    assert mine[0].due_at.date() == date(2026, 12, 3)  # the demo type: within 7 days
    assert notices.tasks(ctx, clinician_id=reyes) == []
    assert [t.id for t in notices.tasks(ctx)] == [mine[0].id]
