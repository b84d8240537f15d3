"""A check-in, discharge or no-show recorded by mistake is undone by the desk with a reason:
audited, back to the status before, the slot held again, until the end of the next day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn

MONDAY_9_INSTANT = datetime(2026, 11, 30, 14, tzinfo=UTC)
REASON = {"reason": "marked the wrong patient"}


def _booked(client: TestClient, clinic: Clinic, n: int = 0, at: str = MONDAY_9) -> Any:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": at,
            "patient": patient_details(n)}  # fmt: skip
    response = book(client, body)
    assert response.status_code == 201, response.text
    return response.json()["appointment"]


def _walk_in(clinic: Clinic, appointment: Any, n: int) -> dict[str, Any]:
    """A booking at 09:30 with the same clinician: inside the appointment's session."""
    return {"appointment_type_id": clinic.consult["id"], "starts_at": "2026-11-30T09:30:00-05:00",
            "clinician_id": appointment["clinician_id"], "patient": patient_details(n)}  # fmt: skip


def _act(client: TestClient, headers: dict[str, str], appointment_id: str, action: str,
         body: dict[str, Any] | None = None) -> Any:  # fmt: skip
    return client.post(f"/api/v1/appointments/{appointment_id}/{action}", json=body or {},
                       headers=headers)  # fmt: skip


def _no_show(client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock) -> Any:
    """The Monday 09:00 consult, marked a no-show by the desk twenty minutes in."""
    appointment = _booked(client, clinic)
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=20))
    assert _act(client, front_desk.headers, appointment["id"], "no-show").status_code == 200
    return appointment


def test_a_mistaken_no_show_is_undone_and_the_slot_is_held_again(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _no_show(client, clinic, front_desk, clock)
    undone = _act(client, front_desk.headers, appointment["id"], "undo", REASON)
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "booked"
    assert undone.json()["sequence"] == appointment["sequence"] + 2
    # The occupancy is back: a walk-in cannot take the rest of the session.
    body = _walk_in(clinic, appointment, 5)
    taken = book(client, body, front_desk.headers)
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"


def test_a_hold_that_ran_out_on_a_no_shows_slot_does_not_stop_the_undo(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    """The undo claims the slot again without a placement: it removes the stale hold itself."""
    appointment = _no_show(client, clinic, front_desk, clock)
    walk_in = _walk_in(clinic, appointment, 7)
    held = {key: walk_in[key] for key in ("appointment_type_id", "starts_at", "clinician_id")}
    assert client.post("/api/v1/holds", json=held, headers=front_desk.headers).status_code == 201
    clock.advance(timedelta(minutes=11))
    undone = _act(client, front_desk.headers, appointment["id"], "undo", REASON)
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "booked"


def test_undoing_a_no_show_whose_slot_was_rebooked_is_a_conflict(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _no_show(client, clinic, front_desk, clock)
    body = _walk_in(clinic, appointment, 6)
    assert book(client, body, front_desk.headers).status_code == 201
    undone = _act(client, front_desk.headers, appointment["id"], "undo", REASON)
    assert undone.status_code == 409
    assert undone.json()["code"] == "slot_taken"
    again = client.get(f"/api/v1/appointments/{appointment['id']}", headers=front_desk.headers)
    assert again.json()["status"] == "no_show"


def test_check_in_and_discharge_step_back_one_status_at_a_time(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    appointment = _booked(client, clinic)
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=10))
    _act(client, front_desk.headers, appointment["id"], "check-in")
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=50))
    _act(client, clinician_login.headers, appointment["id"], "complete")
    undone = _act(client, front_desk.headers, appointment["id"], "undo", REASON).json()
    assert (undone["status"], undone["completed_at"]) == ("checked_in", None)
    assert undone["checked_in_at"] == "2026-11-30T08:50:00-05:00"
    undone = _act(client, front_desk.headers, appointment["id"], "undo", REASON).json()
    assert (undone["status"], undone["checked_in_at"]) == ("booked", None)
    nothing = _act(client, front_desk.headers, appointment["id"], "undo", REASON)
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "invalid_transition"


def test_an_undo_is_audited_with_its_reason(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    appointment = _booked(client, clinic)
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=10))
    _act(client, front_desk.headers, appointment["id"], "check-in")
    assert _act(client, front_desk.headers, appointment["id"], "undo", REASON).status_code == 200
    events = client.get("/api/v1/audit", params={"appointment_id": appointment["id"]},
                        headers=admin.headers).json()  # fmt: skip
    [event] = [e for e in events if e["action"] == "appointment.undo"]
    assert event["reason"] == REASON["reason"]
    assert event["before"]["status"] == "checked_in"
    assert event["after"]["status"] == "booked"


def test_an_undo_needs_a_reason(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    appointment = _no_show(client, clinic, front_desk, clock)
    for body in ({}, {"reason": "   "}):
        missing = _act(client, front_desk.headers, appointment["id"], "undo", body)
        assert missing.status_code == 422
        assert missing.json()["code"] == "validation_error"


def test_corrections_close_at_the_end_of_the_next_local_day(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    first = _booked(client, clinic, 1)
    second = _booked(client, clinic, 2, at="2026-11-30T10:00:00-05:00")
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=80))
    for appointment in (first, second):
        assert _act(client, front_desk.headers, appointment["id"], "no-show").status_code == 200
    clock.set(datetime(2026, 12, 2, 4, 59, tzinfo=UTC))  # Tuesday 23:59 in New York
    assert _act(client, front_desk.headers, first["id"], "undo", REASON).status_code == 200
    clock.set(datetime(2026, 12, 2, 5, 0, tzinfo=UTC))  # Wednesday 00:00 in New York
    late = _act(client, front_desk.headers, second["id"], "undo", REASON)
    assert late.status_code == 409
    assert late.json()["code"] == "correction_window_closed"


def test_a_clinician_cannot_undo(
    client: TestClient, clinic: Clinic, clinician_login: SignedIn
) -> None:
    appointment = _booked(client, clinic)
    response = _act(client, clinician_login.headers, appointment["id"], "undo", REASON)
    assert response.status_code == 403
