"""booked -> checked-in -> completed | cancelled | no-show; reschedules keep the id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn

MONDAY_9_INSTANT = datetime(2026, 11, 30, 14, tzinfo=UTC)


def _booked(client: TestClient, clinic: Clinic, n: int = 0, at: str = MONDAY_9) -> Any:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": at,
            "patient": patient_details(n)}  # fmt: skip
    response = book(client, body)
    assert response.status_code == 201, response.text
    return response.json()


def _act(client: TestClient, headers: dict[str, str], appointment_id: str, action: str,
         body: dict[str, Any] | None = None) -> Any:  # fmt: skip
    return client.post(
        f"/api/v1/appointments/{appointment_id}/{action}", json=body or {}, headers=headers
    )


def test_check_in_then_complete_records_the_real_discharge(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    appointment = _booked(client, clinic)["appointment"]
    early = _act(client, front_desk.headers, appointment["id"], "check-in")
    assert early.status_code == 422
    assert early.json()["code"] == "too_early"
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=10))
    checked = _act(client, front_desk.headers, appointment["id"], "check-in")
    assert checked.status_code == 200
    assert checked.json()["status"] == "checked_in"
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=75))
    done = _act(client, clinician_login.headers, appointment["id"], "complete")
    assert done.json()["status"] == "completed"
    assert done.json()["completed_at"] == "2026-11-30T10:15:00-05:00"
    assert done.json()["sequence"] == 2
    again = _act(client, clinician_login.headers, appointment["id"], "complete")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    cancel = _act(client, front_desk.headers, appointment["id"], "cancel")
    assert cancel.status_code == 409


def test_the_front_desk_records_a_discharge(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _booked(client, clinic)["appointment"]
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=10))
    assert _act(client, front_desk.headers, appointment["id"], "check-in").status_code == 200
    clock.advance(timedelta(hours=1))
    done = _act(client, front_desk.headers, appointment["id"], "complete")
    assert (done.status_code, done.json()["status"]) == (200, "completed")


def test_cancelling_frees_the_slot_and_marks_late_cancels(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    early = _booked(client, clinic, 1)["appointment"]
    response = _act(client, front_desk.headers, early["id"], "cancel", {"reason": "unwell"})
    assert response.json()["status"] == "cancelled"
    assert response.json()["late_cancel"] is False
    rebooked = _booked(client, clinic, 2)["appointment"]  # the same slot is free again
    clock.set(MONDAY_9_INSTANT - timedelta(hours=3))
    late = _act(client, front_desk.headers, rebooked["id"], "cancel", {"reason": "car trouble"})
    assert late.json()["late_cancel"] is True


def test_no_show_only_once_the_appointment_started(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _booked(client, clinic)["appointment"]
    assert _act(client, front_desk.headers, appointment["id"], "no-show").status_code == 422
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=20))
    missed = _act(client, front_desk.headers, appointment["id"], "no-show")
    assert missed.json()["status"] == "no_show"


def test_staff_reschedule_keeps_the_id_and_clinician_and_bumps_the_sequence(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    appointment = _booked(client, clinic)["appointment"]
    moved = _act(client, front_desk.headers, appointment["id"], "reschedule",
                 {"starts_at": "2026-12-01T11:00:00-05:00"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["id"] == appointment["id"]
    assert body["clinician_id"] == appointment["clinician_id"]
    assert body["starts_at"] == "2026-12-01T11:00:00-05:00"
    assert body["sequence"] == appointment["sequence"] + 1
    # The old time is free, the new one taken.
    assert book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                          "patient": patient_details(9)}).status_code == 201  # fmt: skip


def test_patients_manage_their_booking_through_the_secret_link(
    client: TestClient, clinic: Clinic
) -> None:
    token = _booked(client, clinic)["manage_token"]
    seen = client.get(f"/api/v1/manage/{token}")
    assert seen.status_code == 200
    moved = client.post(f"/api/v1/manage/{token}/reschedule",
                        json={"starts_at": "2026-12-02T10:00:00-05:00"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    cancelled = client.post(f"/api/v1/manage/{token}/cancel", json={"reason": "better"})
    assert cancelled.json()["status"] == "cancelled"
    assert client.get("/api/v1/manage/" + "x" * 43).status_code == 404


def test_staff_list_appointments_by_day_clinician_and_status(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    first = _booked(client, clinic, 1)["appointment"]
    _booked(client, clinic, 2, at="2026-12-01T09:00:00-05:00")
    day = client.get("/api/v1/appointments", params={"day": "2026-11-30"},
                     headers=front_desk.headers).json()  # fmt: skip
    assert [a["id"] for a in day] == [first["id"]]
    mine = client.get("/api/v1/appointments", params={"clinician_id": first["clinician_id"],
                      "status": "booked"}, headers=front_desk.headers).json()  # fmt: skip
    assert first["id"] in [a["id"] for a in mine]
    assert all(a["clinician_id"] == first["clinician_id"] for a in mine)


def test_the_manage_link_expires_after_the_appointment(
    client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    token = _booked(client, clinic)["manage_token"]
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=5))
    late = client.post(f"/api/v1/manage/{token}/cancel", json={})
    assert late.status_code == 409
    assert late.json()["code"] == "too_late"
    clock.set(MONDAY_9_INSTANT + timedelta(days=8))
    assert client.get(f"/api/v1/manage/{token}").status_code == 404


def test_inside_the_late_window_patients_cancel_but_call_to_move(
    client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    token = _booked(client, clinic)["manage_token"]
    clock.set(MONDAY_9_INSTANT - timedelta(hours=20))
    moved = client.post(f"/api/v1/manage/{token}/reschedule",
                        json={"starts_at": "2026-12-14T10:00:00-05:00"})  # fmt: skip
    assert moved.status_code == 409
    assert moved.json()["code"] == "call_the_clinic"
    cancelled = client.post(f"/api/v1/manage/{token}/cancel", json={"reason": "work"})
    assert cancelled.status_code == 200
    assert cancelled.json()["late_cancel"] is True


def test_treatments_are_moved_by_the_front_desk_not_the_link(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = client.post("/api/v1/patients", json=patient_details(20),
                          headers=front_desk.headers).json()  # fmt: skip
    for gate in ("consult_completed", "consent_signed"):
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician_login.headers)  # fmt: skip
    body = {"appointment_type_id": clinic.infusion["id"], "starts_at": MONDAY_9,
            "patient_id": patient["id"],
            "escort": {"name": "Pat Rivera", "phone": "617-555-0199"}}  # fmt: skip
    token = book(client, body, front_desk.headers).json()["manage_token"]
    moved = client.post(f"/api/v1/manage/{token}/reschedule",
                        json={"starts_at": "2026-12-01T09:00:00-05:00"})  # fmt: skip
    assert moved.status_code == 409
    assert moved.json()["code"] == "call_the_clinic"


def test_a_clinic_cancellation_is_never_the_patients_late_cancel(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _booked(client, clinic)["appointment"]
    clock.set(MONDAY_9_INSTANT - timedelta(hours=2))
    cancelled = _act(client, front_desk.headers, appointment["id"], "cancel",
                     {"reason": "clinician unwell", "by_clinic": True})  # fmt: skip
    assert cancelled.status_code == 200
    assert cancelled.json()["late_cancel"] is False


def test_check_in_closes_with_the_day_and_patients_cannot_cancel_once_in(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    first = _booked(client, clinic, 1)
    second = _booked(client, clinic, 2, at="2026-12-01T09:00:00-05:00")["appointment"]
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=30))
    assert (
        _act(client, front_desk.headers, first["appointment"]["id"], "check-in").status_code == 200
    )
    gone = client.post(f"/api/v1/manage/{first['manage_token']}/cancel", json={})
    assert gone.status_code == 409
    clock.set(datetime(2026, 12, 2, 5, 30, tzinfo=UTC))  # 00:30 on Wednesday in New York
    late = _act(client, front_desk.headers, second["id"], "check-in")
    assert late.status_code == 422
    assert late.json()["code"] == "too_late"


def test_discharge_cannot_precede_the_start(
    client: TestClient, clinic: Clinic, clinician_login: SignedIn, front_desk: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    appointment = _booked(client, clinic)["appointment"]
    clock.set(MONDAY_9_INSTANT - timedelta(hours=1))
    _act(client, front_desk.headers, appointment["id"], "check-in")
    clock.set(MONDAY_9_INSTANT + timedelta(hours=2))
    early = _act(client, clinician_login.headers, appointment["id"], "complete",
                 {"discharged_at": "2026-11-30T08:30:00-05:00"})  # fmt: skip
    assert early.status_code == 422
    assert early.json()["code"] == "invalid_discharge_time"
    done = _act(client, clinician_login.headers, appointment["id"], "complete",
                {"discharged_at": "2026-11-30T10:05:00-05:00"})  # fmt: skip
    assert done.json()["completed_at"] == "2026-11-30T10:05:00-05:00"
