"""The opt-out, consent and confirmation state staff see on an appointment and a patient
(GET /api/v1/appointments/{id}, GET /api/v1/patients/{id}), and its place in the OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import Clinic
from tests.booking.api.inbound_helpers import booked, settings, text
from tests.conftest import SignedIn

__all__ = ["settings"]  # the signed-webhook settings


def test_a_stop_shows_since_when_on_the_patient_and_the_appointment_until_start(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    visit = booked(client, clinic, front_desk, 41)["appointment"]
    patient_url = f"/api/v1/patients/{visit['patient_id']}"
    visit_url = f"/api/v1/appointments/{visit['id']}"
    before = client.get(visit_url, headers=front_desk.headers).json()
    assert before["patient_sms_consent_at"] is not None
    assert before["patient_email_consent_at"] is None
    assert (before["patient_sms_opted_out_at"], before["ride_needed"]) == (None, False)
    text(client, "STOP", "+16175550041")
    patient = client.get(patient_url, headers=front_desk.headers).json()
    assert patient["sms_consent_at"] is None
    assert patient["sms_opted_out_at"] is not None
    assert patient["sms_opted_out_at"][:16] == clock.now().isoformat()[:16]
    shown = client.get(visit_url, headers=front_desk.headers).json()
    assert shown["patient_sms_opted_out_at"] is not None
    assert shown["patient_sms_consent_at"] is None
    assert shown["timezone"] == "America/New_York"
    assert shown["patient_sms_opted_out_at"].endswith(("-05:00", "-04:00"))  # local, like all
    text(client, "START", "+16175550041")
    patient = client.get(patient_url, headers=front_desk.headers).json()
    assert (patient["sms_opted_out_at"] is None, patient["sms_consent_at"] is not None) == (
        True, True,
    )  # fmt: skip
    listed = client.get("/api/v1/patients", params={"q": "Rivera41"}, headers=front_desk.headers)
    assert listed.json()
    assert all("sms_opted_out_at" in p for p in listed.json())


def test_a_confirmation_by_reply_shows_on_the_appointment(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    escort = {"name": "Pat Rivera", "phone": "617-555-0142"}
    visit = booked(client, clinic, front_desk, 42, escort=escort)["appointment"]
    text(client, "c", "+16175550042")
    shown = client.get(f"/api/v1/appointments/{visit['id']}", headers=front_desk.headers)
    body = shown.json()
    assert body["attendance_confirmed_at"] is not None
    assert body["ride_confirmed_at"] is not None
    assert body["ride_needed"] is True  # an escort is named
    assert body["escort_sms_opted_out_at"] is None


def test_the_messaging_state_is_declared_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/appointments/{appointment_id}"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    detail = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    for name in ("patient_sms_consent_at", "patient_sms_opted_out_at", "escort_sms_opted_out_at",
                 "patient_email_consent_at", "attendance_confirmed_at", "ride_confirmed_at",
                 "ride_needed"):  # fmt: skip
        assert name in detail
    assert "sms_opted_out_at" in document["components"]["schemas"]["PatientOut"]["properties"]
