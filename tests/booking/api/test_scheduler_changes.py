"""Every change booking tells the scheduler is one scheduler/facts.py documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core.clock import FrozenClock
from scheduler import planning
from scheduler.facts import AppointmentFacts, Change
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn

MONDAY_9_INSTANT = datetime(2026, 11, 30, 14, tzinfo=UTC)


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[AppointmentFacts]:
    """The facts the scheduler's policy receives, in order."""
    seen: list[AppointmentFacts] = []

    def notices_for(facts: AppointmentFacts, *_: object, **__: object) -> list[object]:
        seen.append(facts)
        return []

    monkeypatch.setattr(planning, "notices_for", notices_for)
    return seen


def _act(client: TestClient, desk: SignedIn, appointment_id: str, action: str,
         **body: object) -> None:  # fmt: skip
    response = client.post(f"/api/v1/appointments/{appointment_id}/{action}", json=body,
                           headers=desk.headers)  # fmt: skip
    assert response.status_code == 200, (action, response.text)


def _booked(client: TestClient, clinic: Clinic, n: int, at: str = MONDAY_9) -> str:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": at,
            "patient": patient_details(n)}  # fmt: skip
    response = book(client, body)
    assert response.status_code == 201, response.text
    appointment_id: str = response.json()["appointment"]["id"]
    return appointment_id


def test_every_change_is_a_documented_member_with_its_status(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn,
    clock: FrozenClock, told: list[AppointmentFacts],
) -> None:  # fmt: skip
    first = _booked(client, clinic, 1)
    second = _booked(client, clinic, 2, at="2026-11-30T11:00:00-05:00")
    third = _booked(client, clinic, 3, at="2026-11-30T12:00:00-05:00")
    _act(client, front_desk, first, "reschedule", starts_at="2026-11-30T10:00:00-05:00")
    _act(client, front_desk, first, "reschedule", starts_at=MONDAY_9)
    clock.set(MONDAY_9_INSTANT - timedelta(minutes=10))
    _act(client, front_desk, first, "check-in")
    clock.set(MONDAY_9_INSTANT + timedelta(minutes=50))
    _act(client, clinician_login, first, "complete")
    _act(client, front_desk, first, "undo", reason="discharged the wrong patient")
    _act(client, front_desk, second, "cancel")
    clock.set(MONDAY_9_INSTANT + timedelta(hours=3, minutes=5))
    _act(client, front_desk, third, "no-show")
    assert all(type(facts.change) is Change for facts in told)
    assert [(f.change.value, f.status) for f in told] == [
        ("booked", "booked"), ("booked", "booked"), ("booked", "booked"),
        ("rescheduled", "booked"), ("rescheduled", "booked"),
        ("checked_in", "checked_in"), ("completed", "completed"),
        ("corrected", "checked_in"), ("cancelled", "cancelled"), ("no_show", "no_show"),
    ]  # fmt: skip
    assert {facts.change for facts in told} == set(Change)
