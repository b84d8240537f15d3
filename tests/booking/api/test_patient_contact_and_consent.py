"""Patients: contact details (phone, email, time zone) and their validation, and SMS and
email consent, stamped with the moment it was given."""

from __future__ import annotations

from datetime import timedelta

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

# --- contact details ------------------------------------------------------------------------


def test_phone_is_stored_in_e164(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, phone="(617) 555-0111")
    assert created["phone"] == "+16175550111"
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers)
    assert fetched.status_code == 200
    assert fetched.json()["phone"] == "+16175550111"


@pytest.mark.parametrize("phone", ["12345", "not a phone"])
def test_an_invalid_phone_is_a_422_naming_the_phone_field(
    client: TestClient, front_desk: SignedIn, phone: str
) -> None:
    response = client.post(PATIENTS, json=patient_body(phone=phone), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert response_fields(response) == ["phone"]
    assert "phone" in response.json()["detail"]


def test_an_invalid_email_is_a_422(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=patient_body(email="alex@"), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response_fields(response) == ["email"]


def test_email_is_stored_lower_case(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, email="Alex.Morgan@Example.COM")
    assert created["email"] == "alex.morgan@example.com"


def test_an_unknown_time_zone_is_a_422(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(
        PATIENTS, json=patient_body(timezone="Mars/Olympus"), headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response_fields(response) == ["timezone"]


def test_a_known_time_zone_is_kept(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, timezone="America/Chicago")
    assert created["timezone"] == "America/Chicago"


def test_unknown_fields_are_rejected(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(
        PATIENTS, json=patient_body(sms_consent_at=None), headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response_fields(response) == ["sms_consent_at"]


def test_a_patch_cannot_blank_a_required_field(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"family_name": None}, headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"  # the document allows no null here
    assert response.json()["detail"].startswith("family_name: ")
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert fetched["family_name"] == created["family_name"]


# --- consent --------------------------------------------------------------------------------


def test_consent_is_never_pre_ticked(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers)
    assert created["phone"] is not None
    assert created["sms_consent_at"] is None
    assert created["email_consent_at"] is None
    assert created["contact_restriction"] == "none"
    assert created["no_escort_messages"] is False


def test_sms_consent_is_stamped_with_now(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, sms_consent=True)
    assert instant_or_none(created["sms_consent_at"]) == FROZEN_NOW
    assert created["email_consent_at"] is None


def test_email_consent_is_stamped_with_now(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, email_consent=True)
    assert instant_or_none(created["email_consent_at"]) == FROZEN_NOW
    assert created["sms_consent_at"] is None


def test_consent_given_by_patch_is_stamped_with_that_moment(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock
) -> None:
    created = make_patient(client, front_desk.headers)
    clock.advance(timedelta(hours=3))
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"sms_consent": True}, headers=front_desk.headers
    )
    assert response.status_code == 200
    assert instant_or_none(response.json()["sms_consent_at"]) == FROZEN_NOW + timedelta(hours=3)


def test_a_later_patch_keeps_the_original_consent_moment(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock
) -> None:
    created = make_patient(client, front_desk.headers, sms_consent=True)
    clock.advance(timedelta(hours=2))  # within the session's lifetime
    again = client.patch(
        f"{PATIENTS}/{created['id']}",
        json={"sms_consent": True, "given_name": "Alexis"},
        headers=front_desk.headers,
    )
    assert again.status_code == 200
    assert again.json()["given_name"] == "Alexis"
    assert instant_or_none(again.json()["sms_consent_at"]) == FROZEN_NOW
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert instant_or_none(fetched["sms_consent_at"]) == FROZEN_NOW


def test_withdrawing_consent_clears_the_moment(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, sms_consent=True, email_consent=True)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"sms_consent": False}, headers=front_desk.headers
    )
    assert response.status_code == 200
    assert response.json()["sms_consent_at"] is None
    assert (
        instant_or_none(response.json()["email_consent_at"]) == FROZEN_NOW
    )  # the other one stands
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert fetched["sms_consent_at"] is None


def test_sms_consent_needs_a_phone(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(
        PATIENTS, json=patient_body(sms_consent=True), headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "phone" in response.json()["detail"]


def test_email_consent_needs_an_email(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(
        PATIENTS, json=patient_body(email_consent=True), headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "email" in response.json()["detail"]


def test_sms_only_needs_a_phone(client: TestClient, front_desk: SignedIn) -> None:
    body = patient_body(contact_restriction="sms_only", email="robin@example.com")
    response = client.post(PATIENTS, json=body, headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "sms_only" in response.json()["detail"]


def test_sms_only_with_a_phone_is_kept(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, contact_restriction="sms_only")
    assert created["contact_restriction"] == "sms_only"


def test_removing_the_phone_while_sms_consent_stands_is_refused(
    client: TestClient, front_desk: SignedIn
) -> None:
    created = make_patient(client, front_desk.headers, phone="617-555-0111", sms_consent=True)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"phone": None}, headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_patient"
    assert response.json()["detail"] == "SMS consent needs a phone number"
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert fetched["phone"] == "+16175550111"
    assert instant_or_none(fetched["sms_consent_at"]) == FROZEN_NOW


def test_the_phone_may_go_together_with_the_consent(
    client: TestClient, front_desk: SignedIn
) -> None:
    created = make_patient(client, front_desk.headers, sms_consent=True)
    response = client.patch(
        f"{PATIENTS}/{created['id']}",
        json={"phone": None, "sms_consent": False},
        headers=front_desk.headers,
    )
    assert response.status_code == 200
    assert response.json()["phone"] is None
    assert response.json()["sms_consent_at"] is None


def test_a_patched_phone_is_normalised(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"phone": "617.555.0199"}, headers=front_desk.headers
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+16175550199"


def test_a_patched_invalid_phone_is_a_422(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"phone": "12345"}, headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response_fields(response) == ["phone"]
