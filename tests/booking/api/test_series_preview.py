"""POST /api/v1/series/preview: the sessions a series would book, with the same checks and
answers as booking it, and nothing booked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.series_helpers import ESCORT, ready_patient
from tests.conftest import SignedIn


def _body(clinic: Clinic, patient_id: str, **extra: Any) -> dict[str, Any]:
    body = {"protocol": "iv_induction", "appointment_type_id": clinic.infusion["id"]}
    return body | {"patient_id": patient_id, "first_starts_at": MONDAY_9, "escort": ESCORT} | extra


def test_the_preview_lists_the_sessions_the_series_then_books(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    body = _body(clinic, patient["id"])
    preview = client.post("/api/v1/series/preview", json=body, headers=front_desk.headers)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["protocol"] == "iv_induction"
    assert shown["timezone"] == "America/New_York"
    assert [s["starts_at"][:10] for s in shown["sessions"]] == [
        "2026-11-30", "2026-12-02", "2026-12-04", "2026-12-07", "2026-12-09", "2026-12-11"
    ]  # fmt: skip
    listed = client.get(
        "/api/v1/appointments", params={"patient_id": patient["id"]}, headers=front_desk.headers
    )
    assert listed.json() == []  # nothing was booked

    booked = client.post("/api/v1/series", json=body, headers=front_desk.headers)
    assert booked.status_code == 201
    placed = [(s["starts_at"], s["clinician_id"], s["room_id"]) for s in shown["sessions"]]
    made = [
        (a["starts_at"], a["clinician_id"], a["room_id"]) for a in booked.json()["appointments"]
    ]
    assert made == placed


def test_the_preview_answers_the_gates_like_the_booking(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    body = _body(clinic, patient["id"], escort=None)
    response = client.post("/api/v1/series/preview", json=body, headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "gate_not_met"
    waived = body | {"gate_override_reason": "Travels with a nurse"}
    response = client.post("/api/v1/series/preview", json=waived, headers=front_desk.headers)
    assert response.status_code == 200
    assert len(response.json()["sessions"]) == 6


def test_a_clinician_may_not_preview_a_series(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    body = _body(clinic, patient["id"])
    response = client.post("/api/v1/series/preview", json=body, headers=clinician_login.headers)
    assert response.status_code == 403
