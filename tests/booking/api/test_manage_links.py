"""Every session of a series has its own manage link, and staff can re-issue a patient's
link, which ends the old one at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.booking.api.setup_helpers import UNKNOWN_ID, audit_events, expect_ok, expect_problem
from tests.conftest import SignedIn
from tests.factories import make_patient

ESCORT = {"name": "Pat Rivera", "phone": "617-555-0199"}


def test_each_session_of_a_series_gets_a_link_of_its_own(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    for gate in ("consult_completed", "consent_signed"):
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician_login.headers)  # fmt: skip
    body = {
        "protocol": "iv_induction",
        "appointment_type_id": clinic.infusion["id"],
        "patient_id": patient["id"],
        "first_starts_at": MONDAY_9,
        "escort": ESCORT,
    }
    series = expect_ok(client.post("/api/v1/series", json=body, headers=front_desk.headers), 201)
    links = series["manage_links"]
    sessions = series["appointments"]
    assert [link["appointment_id"] for link in links] == [a["id"] for a in sessions]
    assert len({link["manage_token"] for link in links}) == len(sessions) == 6
    for link, session in zip(links, sessions, strict=True):
        assert link["manage_url"] == f"http://127.0.0.1:8000/manage/{link['manage_token']}"
        seen = expect_ok(client.get(f"/api/v1/manage/{link['manage_token']}"))
        assert datetime.fromisoformat(seen["starts_at"]) == datetime.fromisoformat(
            session["starts_at"]
        )
    cancelled = client.post(f"/api/v1/manage/{links[2]['manage_token']}/cancel", json={})
    assert expect_ok(cancelled)["status"] == "cancelled"
    statuses = [
        expect_ok(client.get(f"/api/v1/appointments/{a['id']}", headers=front_desk.headers))[
            "status"
        ]
        for a in sessions
    ]
    assert statuses == ["booked", "booked", "cancelled", "booked", "booked", "booked"]


def test_staff_reissue_a_link_and_the_old_one_ends_at_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    booked = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                           "patient": patient_details(1)}).json()  # fmt: skip
    appointment_id, old = booked["appointment"]["id"], booked["manage_token"]
    response = client.post(f"/api/v1/appointments/{appointment_id}/manage-link",
                           headers=front_desk.headers)  # fmt: skip
    fresh = expect_ok(response, 201)
    assert fresh["appointment_id"] == appointment_id
    assert fresh["manage_url"].endswith("/manage/" + fresh["manage_token"])
    assert fresh["manage_token"] != old
    expect_problem(client.get(f"/api/v1/manage/{old}"), 404, "not_found")
    assert expect_ok(client.get(f"/api/v1/manage/{fresh['manage_token']}"))["status"] == "booked"
    [event] = [e for e in audit_events(client, admin, appointment_id)
               if e["action"] == "appointment.manage_link_rotated"]  # fmt: skip
    assert event["actor_id"] == str(front_desk.user_id)
    assert fresh["manage_token"] not in str(event)
    again = client.post(f"/api/v1/appointments/{appointment_id}/manage-link", headers=admin.headers)
    assert expect_ok(again, 201)["manage_token"] != fresh["manage_token"]
    expect_problem(client.get(f"/api/v1/manage/{fresh['manage_token']}"), 404, "not_found")


def test_no_link_for_an_unknown_or_long_past_appointment(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    unknown = client.post(f"/api/v1/appointments/{UNKNOWN_ID}/manage-link",
                          headers=front_desk.headers)  # fmt: skip
    expect_problem(unknown, 404, "not_found")
    booked = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                           "patient": patient_details(2)}).json()  # fmt: skip
    clock.set(datetime(2026, 11, 30, 15, tzinfo=UTC) + timedelta(days=7))  # end + a week
    late = client.post(f"/api/v1/appointments/{booked['appointment']['id']}/manage-link",
                       headers=front_desk.headers)  # fmt: skip
    expect_problem(late, 409, "too_late")
