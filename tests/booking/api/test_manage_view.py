"""What a patient reads through their manage link: names, the address, local times, what
they may still do and until when, and how to prepare; never record ids or staff notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.booking.api.setup_helpers import expect_ok, expect_problem
from tests.conftest import SignedIn
from tests.factories import make_patient

MONDAY_9_INSTANT = datetime(2026, 11, 30, 14, tzinfo=UTC)
PREPARATION = "Bring a list of your medicines and arrive ten minutes early."


def _describe(client: TestClient, clinic: Clinic, admin: SignedIn) -> None:
    patch = {"description": "A first conversation with a clinician.", "preparation": PREPARATION}
    expect_ok(client.patch(f"/api/v1/appointment-types/{clinic.consult['id']}", json=patch,
                           headers=admin.headers))  # fmt: skip
    for n, clinician in enumerate(clinic.clinicians):
        expect_ok(client.patch(f"/api/v1/clinicians/{clinician['id']}",
                               json={"display_name": f"Dr. Display {n}, MD"},
                               headers=admin.headers))  # fmt: skip


def _book_consult(client: TestClient, clinic: Clinic) -> Any:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(1)}  # fmt: skip
    return expect_ok(book(client, body), 201)


def test_the_view_names_the_visit_the_place_the_clinician_and_local_times(
    client: TestClient, clinic: Clinic, admin: SignedIn
) -> None:
    _describe(client, clinic, admin)
    booked = _book_consult(client, clinic)
    seen = expect_ok(client.get(f"/api/v1/manage/{booked['manage_token']}"))
    index = [c["id"] for c in clinic.clinicians].index(booked["appointment"]["clinician_id"])
    assert seen["clinic"] == "Clinic"
    place = {"name": clinic.location["name"], "address": "1 Main Street",
             "phone": "+16175550100", "timezone": "America/New_York"}  # fmt: skip
    assert seen["location"] == place
    assert seen["visit"]["name"] == "Consultation"
    assert seen["visit"]["description"] == "A first conversation with a clinician."
    assert seen["visit"]["preparation"] == PREPARATION
    assert seen["clinician"] == f"Dr. Display {index}, MD"
    assert (seen["starts_at"], seen["ends_at"]) == (MONDAY_9, "2026-11-30T10:00:00-05:00")
    assert seen["timezone"] == "America/New_York"
    assert seen["status"] == "booked"
    assert seen["reschedule"] == {"allowed": True, "until": "2026-11-29T09:00:00-05:00",
                                  "note": ""}  # fmt: skip
    assert seen["cancel"] == {"allowed": True, "until": MONDAY_9, "late_cancel_hours": 24,
                              "late_after": "2026-11-29T09:00:00-05:00"}  # fmt: skip
    assert seen["link_expires_at"] == "2026-12-07T10:00:00-05:00"
    ids = [booked["appointment"][key] for key in ("id", "clinician_id", "room_id")]
    ids += [clinic.location["id"], clinic.consult["id"]]
    assert not [i for i in ids if i in str(seen)]


def test_what_the_view_allows_is_what_the_link_then_does(
    client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    token = _book_consult(client, clinic)["manage_token"]
    clock.set(MONDAY_9_INSTANT - timedelta(hours=24))  # the last moment to move it
    assert client.get(f"/api/v1/manage/{token}").json()["reschedule"]["allowed"] is True
    clock.advance(timedelta(seconds=1))
    seen = client.get(f"/api/v1/manage/{token}").json()
    assert seen["reschedule"]["allowed"] is False
    assert "call the clinic" in seen["reschedule"]["note"]
    moved = client.post(f"/api/v1/manage/{token}/reschedule",
                        json={"starts_at": "2026-12-14T10:00:00-05:00"})  # fmt: skip
    expect_problem(moved, 409, "call_the_clinic")
    assert seen["cancel"]["allowed"] is True
    cancelled = expect_ok(client.post(f"/api/v1/manage/{token}/cancel", json={"reason": "work"}))
    assert cancelled["status"] == "cancelled"
    assert cancelled["late_cancel"] is True  # after late_after, as the view said
    assert cancelled["cancelled_at"] == "2026-11-29T09:00:01-05:00"
    assert cancelled["cancel"]["allowed"] is cancelled["reschedule"]["allowed"] is False
    expect_problem(client.post(f"/api/v1/manage/{token}/cancel", json={}), 409,
                   "invalid_transition")  # fmt: skip


def test_a_reschedule_answers_with_the_new_local_times(client: TestClient, clinic: Clinic) -> None:
    token = _book_consult(client, clinic)["manage_token"]
    moved = expect_ok(client.post(f"/api/v1/manage/{token}/reschedule",
                                  json={"starts_at": "2026-12-02T15:00:00Z"}))  # fmt: skip
    assert (moved["starts_at"], moved["ends_at"]) == (
        "2026-12-02T10:00:00-05:00", "2026-12-02T11:00:00-05:00",
    )  # fmt: skip
    assert moved["reschedule"]["until"] == "2026-12-01T10:00:00-05:00"
    assert moved["link_expires_at"] == "2026-12-09T11:00:00-05:00"


def test_a_treatment_shows_its_fasting_times_and_who_moves_it(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    clinician_login: SignedIn,
) -> None:  # fmt: skip
    expect_ok(client.patch(f"/api/v1/appointment-types/{clinic.infusion['id']}",
                           json={"fast_food_minutes": 360, "fast_liquids_minutes": 120},
                           headers=admin.headers))  # fmt: skip
    patient = make_patient(client, front_desk.headers)
    for gate in ("consult_completed", "consent_signed"):
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician_login.headers)  # fmt: skip
    body = {
        "appointment_type_id": clinic.infusion["id"],
        "starts_at": MONDAY_9,
        "patient_id": patient["id"],
        "escort": {"name": "Pat Rivera", "phone": "617-555-0199"},
    }
    booked = expect_ok(book(client, body, front_desk.headers), 201)  # fmt: skip
    seen = expect_ok(client.get(f"/api/v1/manage/{booked['manage_token']}"))
    assert seen["visit"]["name"] == "Clinic session"
    assert seen["visit"]["no_food_after"] == "2026-11-30T03:00:00-05:00"
    assert seen["visit"]["no_liquids_after"] == "2026-11-30T07:00:00-05:00"
    assert seen["reschedule"]["allowed"] is False
    assert "front desk" in seen["reschedule"]["note"]
    assert seen["cancel"]["allowed"] is True
    assert seen["escort_name"] == "Pat Rivera"
