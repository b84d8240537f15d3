"""Every phone field refuses letters with a 422 naming the field: phonenumbers would read
keypad letters as digits and store a stranger's number."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.booking.api.conftest import MONDAY_9, book, patient_details
from tests.booking.api.patient_helpers import PATIENTS, patient_body, response_fields
from tests.booking.api.setup_helpers import expect_problem
from tests.conftest import SignedIn

LETTERS = "212-ABC-DEFG"


def test_a_patient_phone_with_letters_is_refused(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=patient_body(phone=LETTERS), headers=front_desk.headers)
    expect_problem(response, 422, "validation_error")
    assert response_fields(response) == ["phone"]
    assert LETTERS not in response.text  # patient data is not echoed


def test_a_patient_booking_online_with_a_lettered_phone_is_refused(client: TestClient) -> None:
    body = {"appointment_type_id": str(uuid.uuid4()), "starts_at": MONDAY_9,
            "patient": patient_details() | {"phone": LETTERS}}  # fmt: skip
    response = book(client, body)
    expect_problem(response, 422, "validation_error")
    assert response_fields(response) == ["patient.phone"]


def test_an_escort_phone_with_letters_is_refused(client: TestClient, front_desk: SignedIn) -> None:
    body = {"appointment_type_id": str(uuid.uuid4()), "starts_at": MONDAY_9,
            "patient_id": str(uuid.uuid4()),
            "escort": {"name": "Pat Rivera", "phone": LETTERS}}  # fmt: skip
    response = book(client, body, front_desk.headers)
    expect_problem(response, 422, "validation_error")
    assert response_fields(response) == ["escort.phone"]


def test_a_location_phone_with_letters_is_refused(client: TestClient, admin: SignedIn) -> None:
    body = {"name": "Back Bay", "timezone": "America/New_York", "phone": "617-555-CALL"}
    response = client.post("/api/v1/locations", json=body, headers=admin.headers)
    expect_problem(response, 422, "validation_error")
    assert response_fields(response) == ["phone"]
