"""Notice emails carry the appointment's calendar invite, end to end: booked through the API,
dispatched through the real SMTP channel to aiosmtpd, the attachment parsed with icalendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Event

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.privacy import forbidden_terms_in
from tests.booking.api.conftest import Clinic, book, clinic  # noqa: F401
from tests.booking.api.series_helpers import ESCORT, request_series
from tests.booking.api.setup_helpers import expect_ok
from tests.conftest import SignedIn
from tests.factories import make_patient
from tests.fakes.smtp import FakeSmtp

START = "2026-12-10T10:00:00-05:00"
GIVEN_NAME = "Quillon"  # rare enough that finding it means the patient's name leaked


@pytest.fixture
def settings(database: Database, fake_smtp: FakeSmtp) -> Settings:
    """Email through the SMTP fake; a clinic whose name holds a drug word (the title drops it)."""
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret", session_ttl_hours=24 * 30, name="Harbor Ketamine Clinic",
        smtp_host=fake_smtp.host, smtp_port=fake_smtp.port, smtp_starttls=False,
        email_from="Harbor Clinic <appointments@harbor.example>",
    )  # fmt: skip


def _dispatch(database: Database, settings: Settings, clock: FrozenClock) -> None:
    Dispatcher.build(database, settings, clock).run_once()


def _calendars(mail: EmailMessage) -> list[Calendar]:
    """Every calendar the mail carries: the text/calendar part and the .ics attachment."""
    found = []
    for part in mail.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append(Calendar.from_ical(payload))
    return found


def _invite(fake: FakeSmtp) -> tuple[Calendar, list[Event]]:
    """The invite of the last mail received (both copies of it say the same)."""
    calendars = _calendars(fake.received[-1].message)
    assert len(calendars) == 2
    assert calendars[0].to_ical() == calendars[1].to_ical()
    return calendars[0], list(calendars[0].events)


def _patient(client: TestClient, desk: SignedIn, clinician: SignedIn | None = None) -> Any:
    patient = make_patient(client, desk.headers, given_name=GIVEN_NAME, email_consent=True)
    if clinician is None:
        return patient
    for gate in ("consult_completed", "consent_signed"):  # a treatment's gates
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician.headers)  # fmt: skip
    return patient


def _seq(event: Event) -> int:
    return int(str(event["SEQUENCE"]))


def _neutral(event: Event) -> None:
    title = str(event["SUMMARY"])
    assert title == "Appointment at Harbor Clinic"
    assert forbidden_terms_in(title + str(event.get("LOCATION", ""))) == []
    assert GIVEN_NAME not in event.to_ical().decode()


def test_confirmation_reschedule_and_cancel_carry_one_uid_with_a_growing_sequence(
    client: TestClient, clinic: Clinic, front_desk: SignedIn,  # noqa: F811
    database: Database, settings: Settings, clock: FrozenClock, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    patient = _patient(client, front_desk)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": START,
    }  # fmt: skip
    booked = expect_ok(book(client, body, front_desk.headers), 201)["appointment"]["id"]
    _dispatch(database, settings, clock)
    calendar, (first,) = _invite(fake_smtp)
    assert calendar["METHOD"] == "REQUEST"
    assert first["UID"] == f"{booked}@harbor.example"
    assert (_seq(first), first["STATUS"]) == (0, "CONFIRMED")
    assert first.start == datetime.fromisoformat(START)
    assert str(first["ORGANIZER"]) == "mailto:appointments@harbor.example"
    assert str(first["ATTENDEE"]) == f"mailto:{patient['email']}"
    assert fake_smtp.received[-1].rcpt_tos == (patient["email"],)
    _neutral(first)

    url = f"/api/v1/appointments/{booked}"
    clock.advance(timedelta(minutes=5))  # each change at its own moment, as in life
    moved = "2026-12-11T11:00:00-05:00"
    expect_ok(
        client.post(f"{url}/reschedule", json={"starts_at": moved}, headers=front_desk.headers)
    )
    _dispatch(database, settings, clock)
    calendar, (again,) = _invite(fake_smtp)
    assert calendar["METHOD"] == "REQUEST"
    assert again["UID"] == first["UID"]
    assert len(fake_smtp.received) == 2, [m.message["Subject"] for m in fake_smtp.received]
    assert _seq(again) > _seq(first)
    assert again.start == datetime.fromisoformat(moved)
    _neutral(again)

    clock.advance(timedelta(minutes=5))
    expect_ok(client.post(f"{url}/cancel", json={}, headers=front_desk.headers))
    _dispatch(database, settings, clock)
    calendar, (cancel,) = _invite(fake_smtp)
    assert calendar["METHOD"] == "CANCEL"
    assert (cancel["UID"], cancel["STATUS"]) == (first["UID"], "CANCELLED")
    assert _seq(cancel) > _seq(again)
    _neutral(cancel)
    assert len(fake_smtp.received) == 3  # one mail per change, nothing else by email


def test_a_series_is_confirmed_once_with_one_event_per_session(
    client: TestClient, clinic: Clinic, front_desk: SignedIn,  # noqa: F811
    clinician_login: SignedIn, database: Database, settings: Settings, clock: FrozenClock,
    fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    patient = _patient(client, front_desk, clinician_login)
    series = request_series(client, clinic, front_desk, patient["id"], escort=ESCORT)
    sessions = expect_ok(series, 201)["appointments"]
    _dispatch(database, settings, clock)
    assert len(fake_smtp.received) == 1
    calendar, events = _invite(fake_smtp)
    assert calendar["METHOD"] == "REQUEST"
    assert [e["UID"] for e in events] == [f"{s['id']}@harbor.example" for s in sessions]
    assert [e.start for e in events] == [datetime.fromisoformat(s["starts_at"]) for s in sessions]
    for event in events:
        _neutral(event)
    # Cancelling one session withdraws that event alone, by its UID.
    clock.advance(timedelta(minutes=5))
    third = sessions[2]["id"]
    expect_ok(client.post(f"/api/v1/appointments/{third}/cancel", json={},
                          headers=front_desk.headers))  # fmt: skip
    _dispatch(database, settings, clock)
    calendar, (cancel,) = _invite(fake_smtp)
    assert (calendar["METHOD"], cancel["UID"]) == ("CANCEL", events[2]["UID"])
    assert _seq(cancel) > _seq(events[2])


def test_a_series_confirmed_by_text_still_carries_the_first_texts_consent_wording(
    client: TestClient, clinic: Clinic, front_desk: SignedIn,  # noqa: F811
    clinician_login: SignedIn, database: Database, settings: Settings, clock: FrozenClock,
    fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    patient = make_patient(client, front_desk.headers, sms_consent=True)
    for gate in ("consult_completed", "consent_signed"):
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician_login.headers)  # fmt: skip
    sessions = expect_ok(request_series(client, clinic, front_desk, patient["id"]), 201)
    _dispatch(database, settings, clock)  # SMS: the console channel
    url = f"/api/v1/appointments/{sessions['appointments'][0]['id']}/notices"
    found = expect_ok(client.get(url, headers=front_desk.headers))
    (sms,) = [n for n in found if n["kind"] == "confirmation"]
    assert (sms["status"], sms["channel"]) == ("sent", "sms")
    assert "STOP to opt out" in sms["text"]
    assert fake_smtp.received == []
