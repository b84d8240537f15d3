"""Patients ready for treatment and series requests, shared by the series tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.booking.api.conftest import MONDAY_9, Clinic, book
from tests.conftest import SignedIn
from tests.factories import make_patient

ESCORT = {"name": "Pat Rivera", "phone": "617-555-0199"}


def ready_patient(client: TestClient, desk: SignedIn, clinician: SignedIn) -> Any:
    """A patient with a completed consult and signed consent (an IV infusion's gates)."""
    patient = make_patient(client, desk.headers)
    for gate in ("consult_completed", "consent_signed"):
        response = client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                               headers=clinician.headers)  # fmt: skip
        assert response.status_code == 200
    return patient


def request_series(client: TestClient, clinic: Clinic, desk: SignedIn, patient_id: str,
                   **extra: Any) -> Any:  # fmt: skip
    """POST an IV induction from Monday 30 November 09:00 (``extra`` overrides the body)."""
    body = {
        "protocol": "iv_induction",
        "appointment_type_id": clinic.infusion["id"],
        "patient_id": patient_id,
        "first_starts_at": MONDAY_9,
        "escort": ESCORT,
    } | extra
    return client.post("/api/v1/series", json=body, headers=desk.headers)  # fmt: skip


def book_infusion(client: TestClient, clinic: Clinic, desk: SignedIn, clinician: SignedIn,
                  starts_at: str, **where: Any) -> Any:  # fmt: skip
    """Another patient's infusion at ``starts_at`` (``where``: clinician_id, room_id)."""
    other = ready_patient(client, desk, clinician)
    body = {"appointment_type_id": clinic.infusion["id"], "patient_id": other["id"],
            "starts_at": starts_at, "escort": ESCORT} | where  # fmt: skip
    response = book(client, body, desk.headers)
    assert response.status_code == 201, response.text
    return response.json()["appointment"]
