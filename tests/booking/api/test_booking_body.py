"""POST /appointments writes its JSON body itself: byte for byte what the declared model
(``BookedOut | PatientBookedOut``) serializes, for staff and for a patient booking online."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from booking.schemas.appointments import BookedOut, PatientBookedOut
from tests.booking.api.conftest import Clinic, book, patient_details
from tests.conftest import SignedIn
from tests.factories import make_patient

DECLARED: TypeAdapter[BookedOut | PatientBookedOut] = TypeAdapter(BookedOut | PatientBookedOut)


def test_a_staff_booking_body_is_the_declared_model_serialized(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": "2026-11-30T09:00:00-05:00",
    }  # fmt: skip
    response = book(client, body, front_desk.headers)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    model = DECLARED.validate_json(response.content)
    assert isinstance(model, BookedOut)
    assert response.content == DECLARED.dump_json(model, by_alias=True)


def test_an_online_booking_body_is_the_patient_view_serialized(
    client: TestClient, clinic: Clinic
) -> None:
    body = {
        "appointment_type_id": clinic.consult["id"], "starts_at": "2026-11-30T10:00:00-05:00",
        "patient": patient_details(0),
    }  # fmt: skip
    response = book(client, body)
    assert response.status_code == 201, response.text
    assert "patient_id" not in response.json()["appointment"]  # the view made for patients
    model = DECLARED.validate_json(response.content)
    assert response.content == DECLARED.dump_json(model, by_alias=True)
