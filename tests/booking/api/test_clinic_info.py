"""The public clinic information: what a booking page needs, and nothing else."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.booking.api.conftest import Clinic
from tests.booking.api.setup_helpers import expect_ok, post_hours
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_clinician, make_location


def test_the_booking_page_sees_online_types_their_places_and_clinicians_by_display_name(
    client: TestClient, clinic: Clinic, admin: SignedIn
) -> None:
    h = admin.headers
    expect_ok(client.patch(f"/api/v1/appointment-types/{clinic.consult['id']}",
                           json={"description": "A first conversation."}, headers=h))  # fmt: skip
    first, second = clinic.clinicians
    expect_ok(client.patch(f"/api/v1/clinicians/{first['id']}",
                           json={"display_name": "Dr. A, MD"}, headers=h))  # fmt: skip
    # What must stay out: a retired online type, a clinician who only does staff-booked
    # treatments, a clinician who left, and places nobody can be booked at.
    retired = make_appointment_type(client, h, name="Old consult", public_name="Old visit",
                                    active=False)  # fmt: skip
    treatments_only = make_clinician(client, h, name="Dr. Treatments Only",
                                     appointment_type_ids=[clinic.infusion["id"]])  # fmt: skip
    left = make_clinician(client, h, name="Dr. Left", active=False,
                          appointment_type_ids=[clinic.consult["id"]])  # fmt: skip
    closed = make_location(client, h, name="Closed branch", active=False)
    empty = make_location(client, h, name="Unstaffed branch")
    for who in (treatments_only, left):
        assert post_hours(client, admin, who["id"], clinic.location["id"]).status_code == 201
    assert post_hours(client, admin, second["id"], closed["id"], weekday=5).status_code == 201

    page = client.get("/api/v1/clinic")  # no login
    document = expect_ok(page)
    location = clinic.location
    assert document == {
        "name": "Clinic",
        "locations": [{"id": location["id"], "name": location["name"],
                       "address": "1 Main Street", "phone": "+16175550100",
                       "timezone": "America/New_York"}],
        "appointment_types": [{"id": clinic.consult["id"], "name": "Consultation",
                               "minutes": 60, "description": "A first conversation.",
                               "location_ids": [location["id"]],
                               "clinicians": ["B Clinician", "Dr. A, MD"]}],
        "clinicians": ["B Clinician", "Dr. A, MD"],
    }  # fmt: skip
    text = page.text
    hidden = [clinic.infusion["id"], "IV", retired["id"], "Old visit", closed["id"], empty["id"],
              "Treatments Only", "Dr. Left", first["id"], second["id"], "credentials"]  # fmt: skip
    assert [item for item in hidden if item in text] == []
    # The ids it does give are enough to ask for slots.
    slots = client.get("/api/v1/availability", params={
        "appointment_type_id": clinic.consult["id"], "location_id": location["id"],
        "start": "2026-11-30", "end": "2026-11-30"})  # fmt: skip
    assert expect_ok(slots)["slots"]


def test_an_online_type_nobody_can_give_is_not_offered(
    client: TestClient, clinic: Clinic, admin: SignedIn
) -> None:
    unstaffed = make_appointment_type(client, admin.headers, name="Evening", public_name="Late")
    chairless = make_appointment_type(
        client, admin.headers, name="Chair visit", public_name="Chair visit",
        kind="follow_up", room_kind="treatment_chair", room_minutes=30,
    )  # fmt: skip
    for clinician in clinic.clinicians:
        types = [clinic.consult["id"], clinic.infusion["id"], chairless["id"]]
        expect_ok(
            client.patch(
                f"/api/v1/clinicians/{clinician['id']}",
                json={"appointment_type_ids": types},
                headers=admin.headers,
            )
        )
    offered = [t["name"] for t in expect_ok(client.get("/api/v1/clinic"))["appointment_types"]]
    assert "Late" not in offered  # no clinician
    assert "Chair visit" in offered  # the clinic has chairs
    expect_ok(client.patch(f"/api/v1/rooms/{clinic.chairs[0]['id']}", json={"active": False},
                           headers=admin.headers))  # fmt: skip
    expect_ok(client.patch(f"/api/v1/rooms/{clinic.chairs[1]['id']}", json={"active": False},
                           headers=admin.headers))  # fmt: skip
    offered = [t["name"] for t in expect_ok(client.get("/api/v1/clinic"))["appointment_types"]]
    assert offered == ["Consultation"]
    assert unstaffed["id"] not in str(offered)
