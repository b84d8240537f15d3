"""The front desk in a browser: the day board, an appointment's actions (reschedule, check
in, discharge, no-show, undo), booking for a patient with the escort waived, and a series
shown before it is booked. Every state is read back from the database."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from booking.demo import DemoLogin
from booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Patient,
    Role,
    TimeOff,
)
from booking.schemas.appointments import BookingIn
from booking.services import appointments
from booking.services.context import Actor, Context
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer, sign_in

NY = ZoneInfo("America/New_York")
S = AppointmentStatus


def _ctx(server: LiveServer, session: object) -> Context:
    return Context(session=session, actor=Actor.system("test"), now=server.clock.now())  # type: ignore[arg-type]


def _patient(server: LiveServer, family: str, **gates: datetime) -> uuid.UUID:
    with server.database.session() as session:
        patient = session.scalars(select(Patient).filter_by(family_name=family)).one()
        for name, value in gates.items():
            setattr(patient, name, value)
        return patient.id


def _book(server: LiveServer, family: str, *, hour: int, minute: int = 0) -> uuid.UUID:
    """A consult today (26 November) at ``hour`` New York time, booked by the desk."""
    patient_id = _patient(server, family)
    with server.database.session() as session:
        kind = session.scalars(select(AppointmentType).filter_by(online_bookable=True)).first()
        assert kind is not None
        start = datetime(2026, 11, 26, hour, minute, tzinfo=NY)
        data = BookingIn(appointment_type_id=kind.id, starts_at=start, patient_id=patient_id)
        return appointments.book(_ctx(server, session), data=data).appointment.id


def _away(server: LiveServer, appointment_id: uuid.UUID) -> None:
    """The appointment's clinician takes its hours off: it now needs attention."""
    with server.database.session() as session:
        found = session.get(Appointment, appointment_id)
        assert found is not None
        session.add(TimeOff(clinician_id=found.clinician_id, starts_at=found.starts_at,
                            ends_at=found.ends_at, reason="sick"))  # fmt: skip


def _appointment(server: LiveServer, appointment_id: uuid.UUID) -> Appointment:
    with server.database.session() as session:
        found = session.get(Appointment, appointment_id)
        assert found is not None
        session.expunge(found)
        return found


def test_the_desk_finds_a_booking_reschedules_checks_in_and_it_is_discharged(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    booked = _book(live_server, "Morgan", hour=12)
    _away(live_server, _book(live_server, "Daniels", hour=16))
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/desk")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Day board: Harbor Clinic, Thursday 26 November 2026"
    )
    attention = page.get_by_role("region", name="Needs attention (1)")
    expect(attention).to_contain_text("4:00 PM, patient CD")
    expect(attention).to_contain_text("the clinician is away")
    expect(page.get_by_text("2 bookings on this day")).to_be_visible()
    # In its clinician's column and its room's, with the status in words.
    entry = page.get_by_role("link", name=re.compile(r"^Dr. Maya Okafor: 12:00 PM Alex Morgan"))
    expect(entry).to_contain_text("Booked")
    expect(page.get_by_role("link", name=re.compile(r"^Consult room: 12:00 PM"))).to_be_visible()
    check_page(page, "desk-board")

    entry.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alex Morgan")
    notices = page.get_by_role("table", name="Reminders and notices, by when they are due")
    expect(notices).to_contain_text("Booking confirmation")
    check_page(page, "desk-appointment")
    page.get_by_label("12:15 PM").check()  # overlaps its own slot: free for itself
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("status")).to_contain_text("Moved")
    moved = _appointment(live_server, booked)
    assert moved.starts_at.astimezone(NY) == datetime(2026, 11, 26, 12, 15, tzinfo=NY)

    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status")).to_have_text("Checked in.")
    assert _appointment(live_server, booked).status is S.CHECKED_IN

    live_server.clock.advance(timedelta(hours=4))  # 14:00, the visit has run
    page.reload()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_role("status")).to_contain_text("Discharged")
    done = _appointment(live_server, booked)
    assert done.status is S.COMPLETED
    assert done.completed_at == live_server.clock.now()

    page.goto("/desk")
    moved_entry = page.get_by_role("link", name=re.compile(r"^Dr. Maya Okafor: 12:15 PM Alex"))
    expect(moved_entry).to_contain_text("Discharged")


def test_a_no_show_is_one_click_and_undone_with_a_reason(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    booked = _book(live_server, "Shah", hour=11)
    live_server.clock.advance(timedelta(minutes=70))  # 11:10: it has started
    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/appointments/{booked}")
    page.get_by_role("button", name="Mark as no-show").click()
    expect(page.get_by_role("status")).to_have_text("Marked as a no-show.")
    assert _appointment(live_server, booked).status is S.NO_SHOW

    page.get_by_label("Why was it a mistake?").fill("   ")
    # Blank (the browser lets spaces through its minlength): said, nothing changed.
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 3 characters")
    assert _appointment(live_server, booked).status is S.NO_SHOW
    page.get_by_label("Why was it a mistake?").fill("She was in the waiting room")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_contain_text("Undone")
    assert _appointment(live_server, booked).status is S.BOOKED


def test_a_rule_that_says_no_is_a_sentence_on_the_page(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    booked = _book(live_server, "Daniels", hour=16)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/appointments/{booked}")
    page.get_by_role("button", name="Mark as no-show").click()  # it has not started
    expect(page.get_by_role("alert")).to_have_text(
        "A patient can only miss an appointment once it has started."
    )
    assert _appointment(live_server, booked).status is S.BOOKED


def test_the_desk_cancels_with_a_reason_and_a_clinician_sees_only_their_actions(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    booked = _book(live_server, "Daniels", hour=15)
    sign_in(page, demo_clinic[Role.CLINICIAN], path=f"/desk/appointments/{booked}")
    expect(page.get_by_role("button", name="Check in")).to_be_visible()  # any staff
    expect(page.get_by_role("button", name="Cancel the appointment")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Back to the day board"))).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/appointments/{booked}")
    page.get_by_label("Reason").fill("Patient asked by phone")
    page.get_by_label(re.compile("The clinic called it off")).check()
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Cancelled")
    cancelled = _appointment(live_server, booked)
    assert cancelled.status is S.CANCELLED
    assert cancelled.cancel_reason == "Patient asked by phone"
    assert not cancelled.late_cancel  # inside 24 h, but the clinic called it off
    expect(page.get_by_role("button", name="Check in")).to_have_count(0)


def _treatment_ready(server: LiveServer) -> uuid.UUID:
    moment = server.clock.now() - timedelta(days=7)
    return _patient(server, "Morgan", consult_completed_at=moment, consent_signed_at=moment)


def _choose_infusion(page: Page, day: str) -> None:
    page.get_by_label("Visit").select_option(label="IV ketamine infusion")
    page.get_by_label("Day").fill(day)
    page.get_by_role("button", name="Show open times").click()


def test_the_desk_books_a_treatment_waiving_the_escort_with_a_reason(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    patient_id = _treatment_ready(live_server)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/desk/patients")
    page.get_by_label("Name, phone or email").fill("morgan")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 patient found")
    check_page(page, "desk-patients")
    page.get_by_role("link", name="Book a visit for Alex Morgan").click()
    _choose_infusion(page, "2026-11-27")
    expect(page.get_by_role("list").filter(has_text="escort")).to_contain_text(
        "enter below, or waive it"
    )
    check_page(page, "desk-book")
    page.get_by_role("radio", name=re.compile(r"^9:00 AM with")).first.check()
    page.get_by_role("button", name="Book this time").click()  # no escort, no waiver
    expect(page.get_by_role("alert")).to_contain_text("waive it with a reason")

    page.get_by_role("radio", name=re.compile(r"^9:00 AM with")).first.check()
    page.get_by_label("Or waive the escort: the reason").fill("Escort arranged by the family")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("status")).to_contain_text("Booked")
    with live_server.database.session() as session:
        found = session.scalars(select(Appointment).filter_by(patient_id=patient_id)).one()
        assert found.gate_override_reason == "Escort arranged by the family"
        assert found.starts_at.astimezone(NY) == datetime(2026, 11, 27, 9, tzinfo=NY)
    expect(page.get_by_text("Escort arranged by the family")).to_be_visible()


def test_a_series_is_shown_before_it_is_booked(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    patient_id = _treatment_ready(live_server)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/book?patient={patient_id}")
    _choose_infusion(page, "2026-11-30")  # a Monday
    page.get_by_role("radio", name=re.compile(r"^10:00 AM with")).first.check()
    page.get_by_label("Escort's name").fill("Jamie Morgan")
    page.get_by_label("Escort's phone").fill("+16175550177")
    page.get_by_label("Or a series from this time").select_option("iv_induction")
    page.get_by_role("button", name="Preview the series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the series")
    rows = page.get_by_role("row")
    expect(rows).to_have_count(7)  # the heading and six sessions
    expect(rows.nth(1)).to_contain_text("Monday 30 November 2026 at 10:00 AM")
    expect(rows.nth(6)).to_contain_text("Friday 11 December 2026 at 10:00 AM")
    check_page(page, "desk-series-preview")
    with live_server.database.session() as session:  # a preview books nothing
        assert session.scalars(select(Appointment).filter_by(patient_id=patient_id)).all() == []

    page.get_by_role("button", name="Book all 6 sessions").click()
    expect(page.get_by_role("status")).to_contain_text("Series booked")
    with live_server.database.session() as session:
        booked = session.scalars(select(Appointment).filter_by(patient_id=patient_id)).all()
        assert len(booked) == 6
        assert len({a.series_id for a in booked}) == 1
        assert {a.escort_name for a in booked} == {"Jamie Morgan"}


def test_a_time_taken_meanwhile_says_so_and_shows_fresh_times(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    patient_id = _patient(live_server, "Shah")
    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/book?patient={patient_id}")
    page.get_by_label("Visit").select_option(label="Consult (psychiatric evaluation)")
    page.get_by_label("Clinician").select_option(label="Dr. Maya Okafor")
    page.get_by_role("button", name="Show open times").click()
    page.get_by_role("radio", name=re.compile(r"^3:00 PM with")).check()
    _book(live_server, "Daniels", hour=15)  # another desk took it (the consult room) meanwhile
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That time was just taken. Choose another of the open times."
    )
    expect(page.get_by_role("radio", name=re.compile(r"^3:00 PM with"))).to_have_count(0)
    expect(page.get_by_role("radio", name=re.compile(r"^11:00 AM with"))).to_have_count(1)
    with live_server.database.session() as session:
        mine = session.scalars(select(Appointment).filter_by(patient_id=patient_id)).all()
        assert mine == []
