"""Patients: registration, contact and consent, duplicates, search, clinical gates, roles."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.conftest import FROZEN_NOW, SignedIn
from tests.factories import make_patient

PATIENTS = "/api/v1/patients"


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _body(**overrides: Any) -> dict[str, Any]:
    return {
        "given_name": "Robin",
        "family_name": f"Okafor{uuid.uuid4().hex[:6]}",
        "date_of_birth": "1979-06-30",
    } | overrides


def _fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


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
    response = client.post(PATIENTS, json=_body(phone=phone), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == ["phone"]
    assert "phone" in response.json()["detail"]


def test_an_invalid_email_is_a_422(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=_body(email="alex@"), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == ["email"]


def test_email_is_stored_lower_case(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, email="Alex.Morgan@Example.COM")
    assert created["email"] == "alex.morgan@example.com"


def test_an_unknown_time_zone_is_a_422(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(
        PATIENTS, json=_body(timezone="Mars/Olympus"), headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == ["timezone"]


def test_a_known_time_zone_is_kept(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, timezone="America/Chicago")
    assert created["timezone"] == "America/Chicago"


def test_unknown_fields_are_rejected(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=_body(sms_consent_at=None), headers=front_desk.headers)
    assert response.status_code == 422
    assert _fields(response) == ["sms_consent_at"]


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
    assert _instant(created["sms_consent_at"]) == FROZEN_NOW
    assert created["email_consent_at"] is None


def test_email_consent_is_stamped_with_now(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, email_consent=True)
    assert _instant(created["email_consent_at"]) == FROZEN_NOW
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
    assert _instant(response.json()["sms_consent_at"]) == FROZEN_NOW + timedelta(hours=3)


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
    assert _instant(again.json()["sms_consent_at"]) == FROZEN_NOW
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert _instant(fetched["sms_consent_at"]) == FROZEN_NOW


def test_withdrawing_consent_clears_the_moment(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers, sms_consent=True, email_consent=True)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"sms_consent": False}, headers=front_desk.headers
    )
    assert response.status_code == 200
    assert response.json()["sms_consent_at"] is None
    assert _instant(response.json()["email_consent_at"]) == FROZEN_NOW  # the other one stands
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert fetched["sms_consent_at"] is None


def test_sms_consent_needs_a_phone(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=_body(sms_consent=True), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "phone" in response.json()["detail"]


def test_email_consent_needs_an_email(client: TestClient, front_desk: SignedIn) -> None:
    response = client.post(PATIENTS, json=_body(email_consent=True), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "email" in response.json()["detail"]


def test_sms_only_needs_a_phone(client: TestClient, front_desk: SignedIn) -> None:
    body = _body(contact_restriction="sms_only", email="robin@example.com")
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
    assert _instant(fetched["sms_consent_at"]) == FROZEN_NOW


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
    assert _fields(response) == ["phone"]


# --- date of birth and duplicates -------------------------------------------------------------


@pytest.mark.parametrize("born", ["2026-11-27", "2030-01-01"])
def test_a_birth_date_in_the_future_is_refused(
    client: TestClient, front_desk: SignedIn, born: str
) -> None:
    response = client.post(PATIENTS, json=_body(date_of_birth=born), headers=front_desk.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_of_birth"
    listed = client.get(PATIENTS, headers=front_desk.headers).json()
    assert listed == []


def test_a_patch_cannot_move_the_birth_date_into_the_future(
    client: TestClient, front_desk: SignedIn
) -> None:
    created = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{created['id']}",
        json={"date_of_birth": "2027-01-01"},
        headers=front_desk.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_of_birth"


def test_same_birth_date_and_name_is_a_possible_duplicate(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers, phone=None, email=None)
    again = {
        "given_name": first["given_name"].upper(),
        "family_name": first["family_name"].lower(),
        "date_of_birth": first["date_of_birth"],
    }
    response = client.post(PATIENTS, json=again, headers=front_desk.headers)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicate"
    assert [c["id"] for c in body["candidates"]] == [first["id"]]
    assert body["candidates"][0]["family_name"] == first["family_name"]


def test_same_birth_date_and_phone_is_a_possible_duplicate(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers, phone="+16175550123")
    other_name = _body(date_of_birth=first["date_of_birth"], phone="(617) 555-0123")
    response = client.post(PATIENTS, json=other_name, headers=front_desk.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "possible_duplicate"
    assert [c["id"] for c in response.json()["candidates"]] == [first["id"]]


def test_same_birth_date_and_email_is_a_possible_duplicate(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers, phone=None, email="same@example.com")
    other_name = _body(date_of_birth=first["date_of_birth"], email="SAME@example.com")
    response = client.post(PATIENTS, json=other_name, headers=front_desk.headers)
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [first["id"]]


def test_allow_duplicate_registers_the_second_person(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers)
    again = {k: first[k] for k in ("given_name", "family_name", "date_of_birth", "phone")}
    response = client.post(
        PATIENTS, json=again, params={"allow_duplicate": "true"}, headers=front_desk.headers
    )
    assert response.status_code == 201
    assert response.json()["id"] != first["id"]
    found = client.get(PATIENTS, params={"q": first["family_name"]}, headers=front_desk.headers)
    assert sorted(p["id"] for p in found.json()) == sorted([first["id"], response.json()["id"]])


def test_same_name_with_another_birth_date_is_not_a_duplicate(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers)
    body = {k: first[k] for k in ("given_name", "family_name", "phone")}
    response = client.post(
        PATIENTS, json=body | {"date_of_birth": "1985-03-15"}, headers=front_desk.headers
    )
    assert response.status_code == 201


# --- search and lookup ----------------------------------------------------------------------


@pytest.fixture
def three_patients(client: TestClient, front_desk: SignedIn) -> list[dict[str, Any]]:
    h = front_desk.headers
    return [
        make_patient(client, h, given_name="Jordan", family_name="Quist", phone="617-555-0142",
                     email="jq@example.com", date_of_birth="1970-01-01"),
        make_patient(client, h, given_name="Casey", family_name="Quistgaard", phone=None,
                     email="cq@example.com", date_of_birth="1991-07-04"),
        make_patient(client, h, given_name="Jordan", family_name="Ives", phone="212-555-0177",
                     email=None, date_of_birth="1991-07-04"),
    ]  # fmt: skip


def _search(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    response = client.get(PATIENTS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [patient["family_name"] for patient in response.json()]


def test_search_by_name_fragment(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    h = front_desk.headers
    assert _search(client, h, q="quist") == ["Quist", "Quistgaard"]
    assert _search(client, h, q="jordan") == ["Ives", "Quist"]
    assert _search(client, h, q="Jordan Ives") == ["Ives"]


def test_search_by_phone_digits(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    h = front_desk.headers
    assert _search(client, h, q="555-0142") == ["Quist"]
    assert _search(client, h, q="(212) 555-0177") == ["Ives"]
    assert _search(client, h, q="5550") == ["Ives", "Quist"]


def test_search_by_email(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    assert _search(client, front_desk.headers, q="cq@example") == ["Quistgaard"]


def test_search_by_date_of_birth(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    h = front_desk.headers
    assert _search(client, h, date_of_birth="1991-07-04") == ["Ives", "Quistgaard"]
    assert _search(client, h, date_of_birth="1991-07-04", q="casey") == ["Quistgaard"]
    assert _search(client, h, date_of_birth="1991-07-05") == []


def test_search_without_a_match_is_empty(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    assert _search(client, front_desk.headers, q="nobody") == []


def test_search_honours_the_limit(
    client: TestClient, front_desk: SignedIn, three_patients: list[dict[str, Any]]
) -> None:
    assert _search(client, front_desk.headers, limit="2") == ["Ives", "Quist"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"given_name": "X"}),
        ("POST", "/gates", {"gate": "consult_completed"}),
        ("GET", "/audit", None),
    ],
)
def test_an_unknown_patient_is_404(
    client: TestClient, admin: SignedIn, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    response = client.request(
        method, f"{PATIENTS}/{uuid.uuid4()}{suffix}", json=body, headers=admin.headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"] == "patient not found"


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
    assert _instant(response.json()["consult_completed_at"]) == FROZEN_NOW
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
    assert _instant(response.json()[column]) == datetime.fromisoformat(at)
    fetched = client.get(f"{PATIENTS}/{patient['id']}", headers=front_desk.headers).json()
    assert _instant(fetched[column]) == datetime.fromisoformat(at)
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
    assert _fields(response) == ["at"]


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
    assert _instant(fetched["consult_completed_at"]) == FROZEN_NOW


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
    assert _instant(latest["before"]["consult_completed_at"]) == FROZEN_NOW


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
    assert _instant(response.json()["rems_enrolled_at"]) == FROZEN_NOW


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
    created = client.post(PATIENTS, json=_body(), headers=clinician_login.headers)
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
    response = client.request(method, path, json=_body() if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_a_made_up_token_is_a_401(client: TestClient) -> None:
    response = client.get(PATIENTS, headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


def test_a_patch_cannot_blank_a_required_field(client: TestClient, front_desk: SignedIn) -> None:
    created = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{created['id']}", json={"family_name": None}, headers=front_desk.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_patient"
    assert response.json()["detail"].startswith("family_name: ")
    fetched = client.get(f"{PATIENTS}/{created['id']}", headers=front_desk.headers).json()
    assert fetched["family_name"] == created["family_name"]


def test_search_text_is_literal_and_phone_errors_do_not_echo_input(
    client: TestClient, front_desk: SignedIn
) -> None:
    make_patient(client, front_desk.headers, given_name="Ana", family_name="Lopez")
    wildcard = client.get("/api/v1/patients", params={"q": "%"}, headers=front_desk.headers)
    assert wildcard.json() == []
    secret = "617-555-01x9-secret"
    body = {"given_name": "A", "family_name": "B", "date_of_birth": "1990-01-01", "phone": secret}
    bad = client.post("/api/v1/patients", headers=front_desk.headers, json=body)
    assert bad.status_code == 422
    assert "secret" not in bad.text
