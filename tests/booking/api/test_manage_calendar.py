"""The patient's "add to calendar" file from their manage link: the invite their emails
carry, with one UID for the appointment's life and METHOD:CANCEL once cancelled."""

from __future__ import annotations

from fastapi.testclient import TestClient
from icalendar import Calendar

from notifications.privacy import forbidden_terms_in
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.booking.feeds.parsers import both
from tests.conftest import SignedIn


def test_add_to_calendar_follows_the_appointment(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(1)}  # fmt: skip
    booked = book(client, body).json()
    path = f"/api/v1/manage/{booked['manage_token']}/calendar.ics"
    first = client.get(path)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "attachment" in first.headers["content-disposition"]
    (event,), js = both(first.content)
    assert js["method"] == "REQUEST"
    assert event["uid"] == f"{booked['appointment']['id']}@clinic.invalid"  # as the emails say
    assert forbidden_terms_in(event["summary"]) == []
    assert event["summary"].startswith("Appointment at ")
    assert Calendar.from_ical(first.content).walk("VTIMEZONE")
    cancel = client.post(f"/api/v1/manage/{booked['manage_token']}/cancel",
                         json={"reason": "unwell"})  # fmt: skip
    assert cancel.status_code == 200, cancel.text
    (cancelled,), js = both(client.get(path).content)
    assert js["method"] == "CANCEL"
    assert (cancelled["uid"], cancelled["status"]) == (event["uid"], "CANCELLED")
    assert cancelled["sequence"] > event["sequence"]


def test_an_unknown_link_has_no_calendar_file(client: TestClient) -> None:
    response = client.get("/api/v1/manage/not-a-token/calendar.ics")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/manage/not-a-token").status_code == 404
