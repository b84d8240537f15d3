"""Availability, holds, booking, gates, idempotency and the appointment lifecycle via HTTP.

The frozen clock stands at Thursday 2026-11-26 10:00 in New York; the clinic works
Monday to Friday 08:00-17:00 there.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.models import Hold
from core.clock import FrozenClock
from core.db import Database
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_patient, make_room


def _availability(client: TestClient, type_id: str, **params: Any) -> Any:
    query = {"appointment_type_id": type_id, "start": "2026-11-30", "end": "2026-11-30"}
    return client.get("/api/v1/availability", params=query | params)


def test_anyone_sees_online_bookable_slots_in_the_clinic_zone(
    client: TestClient, clinic: Clinic
) -> None:
    response = _availability(client, clinic.consult["id"])
    assert response.status_code == 200, response.text
    slots = response.json()["slots"]
    assert slots[0]["starts_at"] == "2026-11-30T08:00:00-05:00"
    # 08:00 to 16:00 every 15 minutes; two clinicians share one consult room.
    assert len(slots) == 33
    assert slots[-1]["starts_at"] == "2026-11-30T16:00:00-05:00"


def test_tz_parameter_renders_for_the_patient(client: TestClient, clinic: Clinic) -> None:
    response = _availability(client, clinic.consult["id"], tz="Europe/London")
    assert response.json()["slots"][0]["starts_at"] == "2026-11-30T13:00:00+00:00"
    assert _availability(client, clinic.consult["id"], tz="Mars/Base").status_code == 422


def test_staff_only_types_are_hidden_from_the_public(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    anonymous = _availability(client, clinic.infusion["id"])
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    staff = client.get(
        "/api/v1/availability",
        params={"appointment_type_id": clinic.infusion["id"], "start": "2026-11-30",
                "end": "2026-11-30"},
        headers=front_desk.headers,
    )  # fmt: skip
    assert staff.status_code == 200
    assert staff.json()["slots"]


def test_a_public_booking_takes_the_slot_and_a_second_gets_409(
    client: TestClient, clinic: Clinic
) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9}
    first = book(client, body | {"patient": patient_details(1)})
    assert first.status_code == 201, first.text
    booked = first.json()
    assert booked["appointment"]["status"] == "booked"
    assert booked["manage_url"].endswith(booked["manage_token"])
    # The only consult room is now taken at 09:00, whichever clinician is asked for.
    second = book(client, body | {"patient": patient_details(2)})
    assert second.status_code == 409
    assert second.json()["code"] == "slot_taken"
    starts = [s["starts_at"] for s in _availability(client, clinic.consult["id"]).json()["slots"]]
    assert MONDAY_9 not in starts
    assert "2026-11-30T10:00:00-05:00" in starts


def test_a_hold_blocks_others_until_it_expires(
    client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    hold = client.post(
        "/api/v1/holds", json={"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9}
    )
    assert hold.status_code == 201, hold.text
    assert hold.json()["expires_at"] == "2026-11-26T10:10:00-05:00"
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9}
    assert book(client, body | {"patient": patient_details(3)}).status_code == 409
    clock.advance(timedelta(minutes=11))
    taken = book(client, body | {"patient": patient_details(3)})
    assert taken.status_code == 201, taken.text
    # The holder comes back too late: their hold is gone with the slot.
    late = book(client, {"hold_id": hold.json()["id"], "patient": patient_details(4)})
    assert late.status_code == 404


def test_an_expired_hold_gives_way_to_a_booking_that_meets_it_in_part(
    client: TestClient, clinic: Clinic, clock: FrozenClock, front_desk: SignedIn,
    database: Database,
) -> None:  # fmt: skip
    """Its clinician time, chair and start window all meet a later start's: the placement
    removes it (PostgreSQL: in its busy read), or the claim would be refused."""
    body = {"appointment_type_id": clinic.infusion["id"], "starts_at": MONDAY_9,
            "clinician_id": clinic.clinicians[0]["id"],
            "room_id": clinic.chairs[0]["id"]}  # fmt: skip
    first = client.post("/api/v1/holds", json=body, headers=front_desk.headers)
    assert first.status_code == 201, first.text
    clock.advance(timedelta(minutes=11))
    later = body | {"starts_at": "2026-11-30T09:15:00-05:00"}
    second = client.post("/api/v1/holds", json=later, headers=front_desk.headers)
    assert second.status_code == 201, second.text
    with database.session() as session:
        assert session.execute(select(Hold.id)).scalars().all() == [uuid.UUID(second.json()["id"])]


def test_booking_from_a_live_hold(client: TestClient, clinic: Clinic) -> None:
    hold = client.post(
        "/api/v1/holds", json={"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9}
    ).json()
    booked = book(client, {"hold_id": hold["id"], "patient": patient_details(5)})
    assert booked.status_code == 201, booked.text
    assert booked.json()["appointment"]["starts_at"] == MONDAY_9
    assert booked.json()["appointment"]["clinician_id"] == hold["clinician_id"]


def test_idempotency_key_replays_the_first_answer(client: TestClient, clinic: Clinic) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(6)}  # fmt: skip
    headers = {"Idempotency-Key": "retry-me-1"}
    first = book(client, body, headers)
    again = book(client, body, headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["appointment"]["id"] == first.json()["appointment"]["id"]
    # A replay hands out a fresh manage link; the lost one stops working.
    assert again.json()["manage_token"] != first.json()["manage_token"]
    assert client.get(f"/api/v1/manage/{first.json()['manage_token']}").status_code == 404
    assert client.get(f"/api/v1/manage/{again.json()['manage_token']}").status_code == 200
    other = book(client, body | {"starts_at": "2026-11-30T10:00:00-05:00"}, headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        ("2026-11-30T09:07:00-05:00", "misaligned"),
        ("2026-11-30T20:00:00-05:00", "outside_hours"),
        ("2026-11-29T09:00:00-05:00", "outside_hours"),  # a Sunday
        ("2026-11-26T11:00:00-05:00", "too_soon"),  # inside the 12 h online notice
        ("2026-11-20T09:00:00-05:00", "in_the_past"),
        ("2027-06-01T09:00:00-04:00", "beyond_horizon"),
    ],
)
def test_bad_starts_are_422_with_a_reason(
    client: TestClient, clinic: Clinic, starts_at: str, code: str
) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": starts_at,
            "patient": patient_details(7)}  # fmt: skip
    response = book(client, body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code


def test_naive_start_and_bad_ranges_are_422(client: TestClient, clinic: Clinic) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": "2026-11-30T09:00:00",
            "patient": patient_details(8)}  # fmt: skip
    assert book(client, body).status_code == 422
    wide = _availability(client, clinic.consult["id"], end="2027-03-01")
    assert wide.json()["code"] == "invalid_range"
    backwards = _availability(client, clinic.consult["id"], end="2026-11-01")
    assert backwards.status_code == 422


def _record_gates(client: TestClient, clinician: SignedIn, patient_id: str) -> None:
    for gate in ("consult_completed", "consent_signed"):
        response = client.post(f"/api/v1/patients/{patient_id}/gates", json={"gate": gate},
                               headers=clinician.headers)  # fmt: skip
        assert response.status_code == 200, response.text


def _ready_for_treatment(client: TestClient, desk: SignedIn, clinician: SignedIn) -> Any:
    patient = make_patient(client, desk.headers)
    _record_gates(client, clinician, patient["id"])
    return patient


def _staff_infusion(
    client: TestClient, clinic: Clinic, headers: dict[str, str], patient_id: str, **extra: Any
) -> Any:
    body = {"appointment_type_id": clinic.infusion["id"], "starts_at": MONDAY_9,
            "patient_id": patient_id,
            "escort": {"name": "Pat Rivera", "phone": "617-555-0199"}} | extra  # fmt: skip
    return book(client, body, headers)


def test_clinical_gates_cannot_be_waived_and_the_escort_only_with_a_reason(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    reason = {"gate_override_reason": "consult done at partner clinic, records on file"}
    refused = _staff_infusion(client, clinic, front_desk.headers, patient["id"], **reason)
    assert refused.status_code == 422
    assert refused.json()["code"] == "gate_not_met"
    assert refused.json()["missing"] == ["a completed consult", "signed treatment consent"]
    assert "cannot be waived" in refused.json()["detail"]
    _record_gates(client, clinician_login, patient["id"])
    waived = {"escort": None, "gate_override_reason": "escort meets patient at the door"}
    allowed = _staff_infusion(client, clinic, front_desk.headers, patient["id"], **waived)
    assert allowed.status_code == 201, allowed.text
    appointment = allowed.json()["appointment"]
    assert appointment["gate_override_reason"] == "escort meets patient at the door"
    events = client.get("/api/v1/audit", params={"appointment_id": appointment["id"]},
                        headers=front_desk.headers).json()  # fmt: skip
    override = [e for e in events if e["action"] == "appointment.gate_override"]
    assert override[0]["reason"] == "escort meets patient at the door"
    booked = next(e for e in events if e["action"] == "appointment.book")
    assert not [field for field in booked["after"] if field.endswith("_hash")]


def test_a_reason_with_nothing_to_waive_is_not_an_override(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(12), "gate_override_reason": "just in case"}  # fmt: skip
    booked = book(client, body, front_desk.headers).json()["appointment"]
    assert booked["gate_override_reason"] is None
    events = client.get("/api/v1/audit", params={"appointment_id": booked["id"]},
                        headers=front_desk.headers).json()  # fmt: skip
    assert "appointment.gate_override" not in {e["action"] for e in events}


def test_the_patient_view_carries_no_staff_notes(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = _ready_for_treatment(client, front_desk, clinician_login)
    waived = {"escort": None, "gate_override_reason": "escort waived: spouse in waiting room"}
    booked = _staff_infusion(client, clinic, front_desk.headers, patient["id"], **waived).json()
    seen = client.get(f"/api/v1/manage/{booked['manage_token']}").json()
    assert seen["status"] == "booked"
    assert booked["appointment"]["id"] not in str(seen)  # no record ids either
    assert "waived" not in str(seen)
    assert not {"gate_override_reason", "patient_id", "cancel_reason"} & set(seen)


def test_an_escort_is_required_for_treatments(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = _ready_for_treatment(client, front_desk, clinician_login)
    response = _staff_infusion(client, clinic, front_desk.headers, patient["id"], escort=None)
    assert response.status_code == 422
    assert response.json()["missing"] == ["a named adult escort (name and phone)"]
    ok = _staff_infusion(client, clinic, front_desk.headers, patient["id"])
    assert ok.status_code == 201, ok.text
    assert ok.json()["appointment"]["escort_phone"] == "+16175550199"


def test_an_online_patient_is_matched_only_on_identity_and_a_known_contact(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    details = patient_details(11)
    first = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                          "patient": details}).json()["appointment"]  # fmt: skip
    same = book(client, {"appointment_type_id": clinic.consult["id"],
                         "starts_at": "2026-12-01T09:00:00-05:00",
                         "patient": details | {"email": None}}).json()["appointment"]  # fmt: skip
    assert "patient_id" not in first  # the patient's view names no record

    def patient_of(appointment: dict[str, Any]) -> str:
        path = f"/api/v1/appointments/{appointment['id']}"
        return str(client.get(path, headers=front_desk.headers).json()["patient_id"])

    assert patient_of(same) == patient_of(first)
    stranger = details | {"phone": "+16175550177", "email": "other@example.com"}
    other = book(client, {"appointment_type_id": clinic.consult["id"],
                          "starts_at": "2026-12-02T09:00:00-05:00",
                          "patient": stranger}).json()["appointment"]  # fmt: skip
    assert patient_of(other) != patient_of(first)  # never merged silently
    events = client.get("/api/v1/audit", params={"patient_id": patient_of(other)},
                        headers=front_desk.headers).json()  # fmt: skip
    assert "patient.possible_duplicate" in {e["action"] for e in events}


def test_patients_cannot_book_by_patient_id(client: TestClient, clinic: Clinic,
                                            front_desk: SignedIn) -> None:  # fmt: skip
    patient = make_patient(client, front_desk.headers)
    response = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                             "patient_id": patient["id"]})  # fmt: skip
    assert response.status_code == 403


def test_a_clinician_supervises_staggered_chairs_up_to_the_start_limit(
    client: TestClient, clinic: Clinic, admin: SignedIn
) -> None:
    h = admin.headers
    for n in (3, 4):
        make_room(client, h, clinic.location["id"], name=f"Chair {n}")
    two_per_window = make_appointment_type(
        client, h, name="Two starts", public_name="Clinic session", kind="iv_infusion",
        clinician_minutes=60, room_kind="treatment_chair", room_minutes=120,
        max_starts_per_window=2, start_window_minutes=30,
    )  # fmt: skip
    who = clinic.clinicians[0]["id"]
    client.patch(f"/api/v1/clinicians/{who}", headers=h,
                 json={"appointment_type_ids": [two_per_window["id"]]})  # fmt: skip
    patient = make_patient(client, h)

    def at(time: str) -> Any:
        body = {"appointment_type_id": two_per_window["id"], "patient_id": patient["id"],
                "starts_at": f"2026-11-30T{time}:00-05:00", "clinician_id": who}  # fmt: skip
        return book(client, body, h)

    assert at("09:00").status_code == 201
    assert at("09:15").status_code == 201  # overlapping supervision, a second start
    third = at("09:15")
    assert third.status_code == 409
    assert third.json()["reason"] == "start_limit"
    assert at("09:45").status_code == 201  # 09:00 has left the window


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/v1/availability", {"start": "9999-12-30", "end": "9999-12-31"}),
        ("GET", "/api/v1/availability", {"start": "0001-01-01", "end": "0001-01-02"}),
        ("POST", "/api/v1/holds", {"starts_at": "9999-12-31T10:00:00Z"}),
        ("POST", "/api/v1/holds", {"starts_at": "0001-01-01T10:00:00+00:00"}),
        # Converting these to UTC would overflow: the range is checked first.
        ("POST", "/api/v1/holds", {"starts_at": "9999-12-31T23:00:00-05:00"}),
        ("POST", "/api/v1/holds", {"starts_at": "0001-01-01T00:30:00+01:00"}),
        ("POST", "/api/v1/appointments", {"starts_at": "9999-12-31T10:00:00Z"}),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_422_not_500(
    client: TestClient, clinic: Clinic, method: str, path: str, payload: dict[str, str]
) -> None:
    kind = {"appointment_type_id": clinic.consult["id"]}
    if method == "GET":
        response = client.get(path, params=payload | kind)
    else:
        body = payload | kind | {"patient": patient_details(13)}
        response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert "between 1900 and 2199" in response.text


def test_online_follow_ups_are_booked_with_a_manage_link_not_typed_in_details(
    client: TestClient, clinic: Clinic, admin: SignedIn, clinician_login: SignedIn,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    follow_up = make_appointment_type(
        client, admin.headers, name="Follow-up", public_name="Follow-up visit",
        clinician_minutes=30, room_minutes=0, room_kind=None, requires_consult=True,
    )  # fmt: skip
    for clinician in clinic.clinicians:
        client.patch(f"/api/v1/clinicians/{clinician['id']}", headers=admin.headers,
                     json={"appointment_type_ids": [clinic.consult["id"], clinic.infusion["id"],
                                                    follow_up["id"]]})  # fmt: skip
    details = patient_details(30)
    consult = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                            "patient": details}).json()  # fmt: skip
    patient_id = client.get(f"/api/v1/appointments/{consult['appointment']['id']}",
                            headers=front_desk.headers).json()["patient_id"]  # fmt: skip
    client.post(f"/api/v1/patients/{patient_id}/gates", json={"gate": "consult_completed"},
                headers=clinician_login.headers)  # fmt: skip
    later = {"appointment_type_id": follow_up["id"], "starts_at": "2026-12-07T11:00:00-05:00"}
    # Typed-in details answer the same whether or not they match a consulted patient.
    known = book(client, later | {"patient": details})
    stranger = book(client, later | {"patient": patient_details(31)})
    assert known.status_code == stranger.status_code == 422
    assert known.json() == stranger.json()
    assert known.json()["code"] == "manage_link_required"
    booked = book(client, later | {"manage_token": consult["manage_token"]})
    assert booked.status_code == 201, booked.text
    follow_up_id = booked.json()["appointment"]["id"]
    mine = client.get(f"/api/v1/appointments/{follow_up_id}", headers=front_desk.headers).json()
    assert mine["patient_id"] == patient_id
    unknown = book(client, later | {"manage_token": "x" * 43})
    assert unknown.status_code == 404


def test_a_gate_dated_beyond_the_calendar_is_422(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    response = client.post(
        f"/api/v1/patients/{patient['id']}/gates",
        json={"gate": "consult_completed", "at": "0001-01-01T00:30:00+01:00"},
        headers=clinician_login.headers,
    )
    assert response.status_code == 422, response.text
