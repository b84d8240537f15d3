"""Small factories that go through the real API, so tests build state the way staff do."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient


def _post(client: TestClient, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def make_location(client: TestClient, headers: dict[str, str], **overrides: Any) -> Any:
    body = {
        "name": f"Location {uuid.uuid4().hex[:6]}",
        "timezone": "America/New_York",
        "address": "1 Main Street",
        "phone": "(617) 555-0100",
    } | overrides
    return _post(client, "/api/v1/locations", headers, body)


def make_appointment_type(client: TestClient, headers: dict[str, str], **overrides: Any) -> Any:
    body = {
        "name": f"Consult {uuid.uuid4().hex[:6]}",
        "public_name": "Consultation",
        "kind": "consult",
        "clinician_minutes": 60,
        "room_kind": "consult_room",
        "room_minutes": 60,
        "online_bookable": True,
    } | overrides
    return _post(client, "/api/v1/appointment-types", headers, body)


def make_clinician(client: TestClient, headers: dict[str, str], **overrides: Any) -> Any:
    body = {"name": f"Dr. Test {uuid.uuid4().hex[:6]}", "credentials": "MD"} | overrides
    return _post(client, "/api/v1/clinicians", headers, body)


def make_room(
    client: TestClient, headers: dict[str, str], location_id: str, **overrides: Any
) -> Any:
    body = {"location_id": location_id, "name": f"Chair {uuid.uuid4().hex[:4]}"}
    body |= {"kind": "treatment_chair"} | overrides
    return _post(client, "/api/v1/rooms", headers, body)


_patients = itertools.count()


def make_patient(client: TestClient, headers: dict[str, str], **overrides: Any) -> Any:
    """A patient distinct from every other one this run (name, phone and email differ)."""
    n = next(_patients)
    body = {
        "given_name": "Alex",
        "family_name": f"Morgan{uuid.uuid4().hex[:4]}",
        "date_of_birth": "1985-03-14",
        "phone": f"617-555-{100 + n % 100:04d}",
        "email": f"alex{n}@example.com",
    } | overrides
    return _post(client, "/api/v1/patients", headers, body)
