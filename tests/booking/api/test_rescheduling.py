"""A reschedule keeps the clinician and the chair unless the chair is busy then, and says
when the chair changed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.series_helpers import book_infusion, ready_patient, request_series
from tests.conftest import SignedIn

TUESDAY_9 = "2026-12-01T09:00:00-05:00"


def _move(client: TestClient, desk: SignedIn, appointment_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/appointments/{appointment_id}/reschedule", json=body,
                       headers=desk.headers)  # fmt: skip


def test_a_moved_appointment_keeps_its_chair(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    chair_2 = clinic.chairs[1]["id"]
    booked = book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9,
                           room_id=chair_2)  # fmt: skip
    moved = _move(client, front_desk, booked["id"], starts_at=TUESDAY_9)
    assert moved.status_code == 200, moved.text
    assert moved.json()["room_id"] == chair_2
    assert moved.json()["clinician_id"] == booked["clinician_id"]
    assert moved.json()["room_changed"] is False
    assert moved.json()["previous_room_id"] == chair_2


def test_moving_one_session_of_a_series_keeps_the_series_chair(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    chair_2 = clinic.chairs[1]["id"]
    patient = ready_patient(client, front_desk, clinician_login)
    series = request_series(client, clinic, front_desk, patient["id"], room_id=chair_2).json()
    last = series["appointments"][-1]  # Friday 11 December
    moved = _move(client, front_desk, last["id"], starts_at="2026-12-14T09:00:00-05:00")
    assert moved.status_code == 200, moved.text
    assert moved.json()["room_id"] == chair_2


def test_when_the_chair_is_busy_the_answer_says_the_chair_changed(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    a, b = (c["id"] for c in clinic.clinicians)
    chair_1, chair_2 = (c["id"] for c in clinic.chairs)
    booked = book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9,
                           clinician_id=a, room_id=chair_2)  # fmt: skip
    book_infusion(client, clinic, front_desk, clinician_login, TUESDAY_9, clinician_id=b,
                  room_id=chair_2)  # fmt: skip
    moved = _move(client, front_desk, booked["id"], starts_at=TUESDAY_9)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["clinician_id"], body["room_id"]) == (a, chair_1)
    assert body["room_changed"] is True
    assert body["previous_room_id"] == chair_2


def test_a_chair_asked_for_is_never_swapped_for_another(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    a, b = (c["id"] for c in clinic.clinicians)
    chair_2 = clinic.chairs[1]["id"]
    booked = book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9, clinician_id=a)
    book_infusion(client, clinic, front_desk, clinician_login, TUESDAY_9, clinician_id=b,
                  room_id=chair_2)  # fmt: skip
    moved = _move(client, front_desk, booked["id"], starts_at=TUESDAY_9, room_id=chair_2)
    assert moved.status_code == 409
    assert moved.json()["code"] == "slot_taken"
