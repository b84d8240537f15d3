"""The front desk's views: the day board's columns and rows, lanes for overlapping
bookings (pure), the gates a booking shows (pure), and the board read from the demo clinic."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from booking import demo
from booking.models import AppointmentStatus, AppointmentType, Location, Patient
from booking.schemas.appointments import BookingIn
from booking.services import appointments, desk
from booking.services.context import Context
from booking.services.desk_booking import gates_for

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 11, 26, 9, tzinfo=NY)


def _entry(row: int, rows: int) -> desk.Entry:
    return desk.Entry(uuid.uuid4(), "A B", "Consult", AppointmentStatus.BOOKED, AT, AT, row, rows)


def test_overlapping_bookings_go_side_by_side_and_a_later_one_reuses_a_free_lane() -> None:
    first, second, third = _entry(2, 4), _entry(4, 4), _entry(6, 2)
    column = desk._laned("Dr. A", "clinician", [second, third, first])
    lanes = {entry.row: entry.lane for entry in column.entries}
    assert lanes == {2: 0, 4: 1, 6: 0}  # the third starts as the first ends
    assert column.lanes == 2
    assert desk._laned("Chair 1", "chair", []).lanes == 1


def _kind(**gates: bool) -> AppointmentType:
    return AppointmentType(name="t", public_name="t", **gates)


def test_gates_show_what_is_met_and_only_the_escort_as_waivable() -> None:
    patient = Patient(given_name="A", family_name="B", consult_completed_at=AT)
    kind = _kind(requires_consult=True, requires_consent=True, requires_escort=True,
                 requires_rems=False)  # fmt: skip
    shown = [(g.label, g.met, g.waivable) for g in gates_for(kind, patient)]
    assert shown == [
        ("A completed consult", True, False),
        ("Signed treatment consent", False, False),
        ("A named adult escort (name and phone)", False, True),
    ]
    none = _kind(requires_consult=False, requires_consent=False, requires_escort=False,
                 requires_rems=False)  # fmt: skip
    assert gates_for(none, patient) == []


def test_the_board_has_a_column_per_clinician_and_per_room_and_places_by_time(
    ctx: Context,
) -> None:
    demo.seed(ctx)
    consult = next(t for t in ctx.session.query(AppointmentType) if t.online_bookable)
    patient = ctx.session.query(Patient).filter_by(family_name="Shah").one()
    start = datetime(2026, 11, 26, 12, 30, tzinfo=NY)
    data = BookingIn(appointment_type_id=consult.id, starts_at=start, patient_id=patient.id)
    booked = appointments.book(ctx, data=data).appointment

    board = desk.day_board(ctx, location_id=None, day=None)
    assert board.day == date(2026, 11, 26)  # today at the location (10:00 in New York)
    assert (board.previous_day, board.next_day) == (date(2026, 11, 25), date(2026, 11, 27))
    headings = [(c.heading, c.kind) for c in board.columns]
    assert headings[:3] == [("Dr. Maya Okafor", "clinician"), ("Dr. Samuel Reyes", "clinician"),
                            ("Jordan Lee", "clinician")]  # fmt: skip
    assert [h for h, kind in headings if kind == "chair"] == [
        "Chair 1", "Chair 2", "Chair 3", "Chair 4", "Consult room"
    ]  # fmt: skip
    assert board.times[0] == (2, datetime(2026, 11, 26, 7, tzinfo=NY))
    placed = [e for c in board.columns for e in c.entries]
    assert {e.appointment_id for e in placed} == {booked.id}
    # 12:30 is 22 quarter hours after 07:00, on the grid's row 2 + 22; an hour is 4 rows.
    assert {(e.row, e.rows, e.patient_name) for e in placed} == {(24, 4, "Priya Shah")}
    assert desk.day_board(ctx, location_id=None, day=date(2026, 11, 27)).columns[0].entries == []


def test_with_several_locations_the_board_opens_on_the_first_and_offers_the_others(
    ctx: Context,
) -> None:
    demo.seed(ctx)
    annex = Location(name="Annex", timezone="America/Los_Angeles", address="1 Pier Road")
    ctx.session.add(annex)
    ctx.session.flush()
    board = desk.day_board(ctx, location_id=None, day=None)
    assert board.location.id == annex.id
    assert [place.name for place in board.locations] == ["Annex", "Harbor Clinic"]
    assert board.day == date(2026, 11, 26)  # 07:00 in Los Angeles
    assert board.zone.key == "America/Los_Angeles"
