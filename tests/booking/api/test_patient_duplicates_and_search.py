"""Patients: birth dates, possible duplicates at registration, and search and lookup."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.patient_helpers import PATIENTS, patient_body
from tests.conftest import SignedIn
from tests.factories import make_patient

# --- date of birth and duplicates -------------------------------------------------------------


@pytest.mark.parametrize("born", ["2026-11-27", "2030-01-01"])
def test_a_birth_date_in_the_future_is_refused(
    client: TestClient, front_desk: SignedIn, born: str
) -> None:
    response = client.post(
        PATIENTS, json=patient_body(date_of_birth=born), headers=front_desk.headers
    )
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
    other_name = patient_body(date_of_birth=first["date_of_birth"], phone="(617) 555-0123")
    response = client.post(PATIENTS, json=other_name, headers=front_desk.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "possible_duplicate"
    assert [c["id"] for c in response.json()["candidates"]] == [first["id"]]


def test_same_birth_date_and_email_is_a_possible_duplicate(
    client: TestClient, front_desk: SignedIn
) -> None:
    first = make_patient(client, front_desk.headers, phone=None, email="same@example.com")
    other_name = patient_body(date_of_birth=first["date_of_birth"], email="SAME@example.com")
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
