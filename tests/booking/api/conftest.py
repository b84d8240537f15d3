"""A small clinic for booking tests: one New York location, two clinicians working
Monday to Friday 08:00-17:00, a consult room, two chairs, a consult and an IV type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.setup_helpers import Json
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_clinician, make_location, make_room

MONDAY_9 = "2026-11-30T09:00:00-05:00"
MONDAY_9_UTC = "2026-11-30T14:00:00Z"


@dataclass(frozen=True)
class Clinic:
    location: dict[str, Any]
    consult: dict[str, Any]
    infusion: dict[str, Any]
    clinicians: list[dict[str, Any]]
    chairs: list[dict[str, Any]]


@pytest.fixture
def clinic(client: TestClient, admin: SignedIn) -> Clinic:
    h = admin.headers
    location = make_location(client, h)
    consult = make_appointment_type(client, h, buffer_after_minutes=0)
    infusion = make_appointment_type(
        client, h, name="IV", public_name="Clinic session", kind="iv_infusion",
        clinician_minutes=60, room_kind="treatment_chair", room_minutes=120,
        online_bookable=False, requires_consult=True, requires_consent=True,
        requires_escort=True, max_starts_per_window=1, start_window_minutes=30,
    )  # fmt: skip
    types = [consult["id"], infusion["id"]]
    clinicians = [
        make_clinician(client, h, name=name, appointment_type_ids=types)
        for name in ("A Clinician", "B Clinician")
    ]
    make_room(client, h, location["id"], name="Consult room", kind="consult_room")
    chairs = [make_room(client, h, location["id"], name=f"Chair {n}") for n in (1, 2)]
    for clinician in clinicians:
        for weekday in range(5):
            response = client.post(
                f"/api/v1/clinicians/{clinician['id']}/working-hours",
                json={"location_id": location["id"], "weekday": weekday,
                      "start_time": "08:00", "end_time": "17:00"},
                headers=h,
            )  # fmt: skip
            assert response.status_code == 201
    return Clinic(location, consult, infusion, clinicians, chairs)


def patient_details(n: int = 0) -> dict[str, Any]:
    return {
        "given_name": "Sam", "family_name": f"Rivera{n}", "date_of_birth": "1990-01-02",
        "phone": f"+1617555{n:04d}", "email": f"sam{n}@example.com", "sms_consent": True,
    }  # fmt: skip


def book(client: TestClient, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return client.post("/api/v1/appointments", json=body, headers=headers or {})


def consult_at(clinic: Clinic, patient: dict[str, Any], starts_at: str) -> dict[str, Any]:
    """A staff booking of the clinic's consult with its first clinician, by patient id."""
    return {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": starts_at,
    }  # fmt: skip


# A location and a clinician for the clinic setup tests (working hours, date overrides, time
# off, closures, roles and audit), which each need one of both and nothing more.


@pytest.fixture
def location(client: TestClient, admin: SignedIn) -> Json:
    created: Json = make_location(client, admin.headers, name="Back Bay")
    return created


@pytest.fixture
def clinician(client: TestClient, admin: SignedIn) -> Json:
    created: Json = make_clinician(client, admin.headers, name="Dr. Ada")
    return created
