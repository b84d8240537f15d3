"""Patients: clinical gates (consult completed, consent signed, REMS enrolled) and which
roles may read, register and change patients."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.patient_helpers import (
    PATIENTS,
    instant_or_none,
    patient_body,
    response_fields,
)
from tests.conftest import FROZEN_NOW, SignedIn
from tests.factories import make_patient

# --- clinical gates -------------------------------------------------------------------------


def _gate(client: TestClient, signed_in: SignedIn, patient_id: str, **body: Any) -> Any:
    return client.post(f"{PATIENTS}/{patient_id}/gates", json=body, headers=signed_in.headers)


def test_a_clinician_records_a_completed_consult_now(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    assert patient["consult_completed_at"] is None
    response = _gate(client, clinician_login, patient["id"], gate="consult_completed")
    assert response.status_code == 200
    assert instant_or_none(response.json()["consult_completed_at"]) == FROZEN_NOW
    assert response.json()["consent_signed_at"] is None
    assert response.json()["rems_enrolled_at"] is None


@pytest.mark.parametrize(
    ("gate", "column"),
    [
        ("consult_completed", "consult_completed_at"),
        ("consent_signed", "consent_signed_at"),
        ("rems_enrolled", "rems_enrolled_at"),
    ],
)
def test_a_gate_may_be_dated_in_the_past(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn, gate: str, column: str
) -> None:
    patient = make_patient(client, front_desk.headers)
    at = "2026-11-20T10:00:00-05:00"
    response = _gate(client, clinician_login, patient["id"], gate=gate, at=at)
    assert response.status_code == 200
    assert instant_or_none(response.json()[column]) == datetime.fromisoformat(at)
    fetched = client.get(f"{PATIENTS}/{patient['id']}", headers=front_desk.headers).json()
    assert instant_or_none(fetched[column]) == datetime.fromisoformat(at)
    assert fetched[column] == response.json()[column]


def test_a_gate_cannot_be_met_in_the_future(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    at = (FROZEN_NOW + timedelta(minutes=1)).isoformat()
    response = _gate(client, clinician_login, patient["id"], gate="consent_signed", at=at)
    assert response.status_code == 422
    assert response.json()["code"] == "gate_in_future"
    fetched = client.get(f"{PATIENTS}/{patient['id']}", headers=front_desk.headers).json()
    assert fetched["consent_signed_at"] is None


def test_a_gate_needs_an_aware_instant(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    response = _gate(
        client, clinician_login, patient["id"], gate="consent_signed", at="2026-11-20T10:00:00"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response_fields(response) == ["at"]


def test_withdrawing_a_gate_needs_a_reason(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    assert (
        _gate(client, clinician_login, patient["id"], gate="consult_completed").status_code == 200
    )
    response = _gate(client, clinician_login, patient["id"], gate="consult_completed", done=False)
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"
    fetched = client.get(f"{PATIENTS}/{patient['id']}", headers=front_desk.headers).json()
    assert instant_or_none(fetched["consult_completed_at"]) == FROZEN_NOW


def test_withdrawing_a_gate_with_a_reason_clears_it_and_audits_the_reason(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn, clock: FrozenClock
) -> None:
    patient = make_patient(client, front_desk.headers)
    _gate(client, clinician_login, patient["id"], gate="consult_completed")
    clock.advance(timedelta(minutes=5))
    response = _gate(
        client, clinician_login, patient["id"],
        gate="consult_completed", done=False, reason="recorded on the wrong chart",
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["consult_completed_at"] is None
    events = client.get(f"{PATIENTS}/{patient['id']}/audit", headers=front_desk.headers).json()
    latest = events[0]
    assert latest["action"] == "patient.gate.consult_completed"
    assert latest["reason"] == "recorded on the wrong chart"
    assert latest["actor_id"] == str(clinician_login.user_id)
    assert latest["after"] == {"consult_completed_at": None}
    assert instant_or_none(latest["before"]["consult_completed_at"]) == FROZEN_NOW


def test_front_desk_may_not_record_gates(client: TestClient, front_desk: SignedIn) -> None:
    patient = make_patient(client, front_desk.headers)
    response = _gate(client, front_desk, patient["id"], gate="consult_completed")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    fetched = client.get(f"{PATIENTS}/{patient['id']}", headers=front_desk.headers).json()
    assert fetched["consult_completed_at"] is None


def test_an_admin_may_record_gates(
    client: TestClient, front_desk: SignedIn, admin: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    response = _gate(client, admin, patient["id"], gate="rems_enrolled")
    assert response.status_code == 200
    assert instant_or_none(response.json()["rems_enrolled_at"]) == FROZEN_NOW


# --- roles ----------------------------------------------------------------------------------


def test_a_clinician_may_read_patients(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    one = client.get(f"{PATIENTS}/{patient['id']}", headers=clinician_login.headers)
    assert one.status_code == 200
    assert one.json()["id"] == patient["id"]
    listed = client.get(PATIENTS, headers=clinician_login.headers)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()] == [patient["id"]]


def test_a_clinician_may_not_register_or_change_patients(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    created = client.post(PATIENTS, json=patient_body(), headers=clinician_login.headers)
    assert created.status_code == 403
    assert created.json()["code"] == "forbidden"
    patient = make_patient(client, front_desk.headers)
    changed = client.patch(
        f"{PATIENTS}/{patient['id']}", json={"given_name": "X"}, headers=clinician_login.headers
    )
    assert changed.status_code == 403
    listed = client.get(PATIENTS, headers=front_desk.headers).json()
    assert [p["given_name"] for p in listed] == ["Alex"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", PATIENTS), ("POST", PATIENTS), ("GET", f"{PATIENTS}/{uuid.uuid4()}")],
)
def test_anonymous_callers_get_a_401_bearer_challenge(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, json=patient_body() if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_a_made_up_token_is_a_401(client: TestClient) -> None:
    response = client.get(PATIENTS, headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"
