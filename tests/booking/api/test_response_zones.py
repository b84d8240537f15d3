"""Which zone each answer speaks: instants at a location in that location's zone (or the
``tz`` asked for), instants without a place in UTC, and always with a numeric offset (never
``Z``, which pydantic writes for a zero offset: London in winter would read as UTC)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.conftest import book, patient_details
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_clinician, make_location, make_room

CHICAGO = "America/Chicago"
TUESDAY_9_CHICAGO = "2027-01-19T09:00:00-06:00"


@pytest.fixture
def chicago(client: TestClient, admin: SignedIn) -> dict[str, Any]:
    """A Chicago location with one clinician working 08:00-17:00 on weekdays in January."""
    h = admin.headers
    location = make_location(client, h, timezone=CHICAGO)
    consult = make_appointment_type(client, h, buffer_after_minutes=0)
    clinician = make_clinician(client, h, appointment_type_ids=[consult["id"]])
    make_room(client, h, location["id"], name="Consult room", kind="consult_room")
    for weekday in range(5):
        hours = {"location_id": location["id"], "weekday": weekday,
                 "start_time": "08:00", "end_time": "17:00"}  # fmt: skip
        response = client.post(
            f"/api/v1/clinicians/{clinician['id']}/working-hours", json=hours, headers=h
        )
        assert response.status_code == 201, response.text
    return {"location": location, "consult": consult}


def test_availability_in_a_london_winter_carries_a_zero_offset_not_z(
    client: TestClient, chicago: dict[str, Any]
) -> None:
    query = {"appointment_type_id": chicago["consult"]["id"], "start": "2027-01-19",
             "end": "2027-01-19", "tz": "Europe/London"}  # fmt: skip
    answer = client.get("/api/v1/availability", params=query).json()
    assert answer["timezone"] == "Europe/London"
    assert answer["slots"][0]["starts_at"] == "2027-01-19T14:00:00+00:00"  # 08:00 in Chicago
    assert all(s["ends_at"].endswith("+00:00") for s in answer["slots"])


def test_holds_bookings_and_the_manage_view_answer_in_the_locations_zone(
    client: TestClient, chicago: dict[str, Any], front_desk: SignedIn
) -> None:
    where = {"appointment_type_id": chicago["consult"]["id"], "starts_at": "2027-01-19T15:00:00Z"}
    hold = client.post("/api/v1/holds", json=where)
    assert hold.status_code == 201, hold.text
    assert hold.json()["timezone"] == CHICAGO
    assert hold.json()["starts_at"] == TUESDAY_9_CHICAGO
    assert hold.json()["expires_at"].endswith(("-06:00", "-05:00"))  # now, in Chicago
    booked = book(client, {"hold_id": hold.json()["id"], "patient": patient_details(1)})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()["appointment"]
    assert (appointment["timezone"], appointment["starts_at"]) == (CHICAGO, TUESDAY_9_CHICAGO)
    assert appointment["ends_at"] == "2027-01-19T10:00:00-06:00"
    manage = client.get(f"/api/v1/manage/{booked.json()['manage_token']}").json()
    assert (manage["timezone"], manage["starts_at"]) == (CHICAGO, TUESDAY_9_CHICAGO)
    url = f"/api/v1/appointments/{appointment['id']}"
    staff_view = client.get(url, headers=front_desk.headers).json()
    assert staff_view["starts_at"] == TUESDAY_9_CHICAGO
    listed = client.get("/api/v1/appointments", params={"day": "2027-01-19"},
                        headers=front_desk.headers).json()  # fmt: skip
    assert [a["starts_at"] for a in listed] == [TUESDAY_9_CHICAGO]
    cancelled = client.post(f"{url}/cancel", json={}, headers=front_desk.headers).json()
    assert cancelled["cancelled_at"].endswith(("-06:00", "-05:00"))


def test_instants_without_a_place_are_utc_with_a_numeric_offset(
    client: TestClient, front_desk: SignedIn
) -> None:
    body = patient_details(2) | {"sms_consent": True}
    patient = client.post("/api/v1/patients", json=body, headers=front_desk.headers).json()
    assert patient["sms_consent_at"].endswith("+00:00")
    assert patient["created_at"].endswith("+00:00")
    events = client.get(f"/api/v1/patients/{patient['id']}/audit", headers=front_desk.headers)
    assert events.json()[0]["at"].endswith("+00:00")
