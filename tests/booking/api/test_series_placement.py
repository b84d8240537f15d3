"""A series keeps one clinician and one chair: the one asked for, or one that fits every
session; anything else is a 409 whose alternatives say which clinician and chair they use."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.series_helpers import book_infusion, ready_patient, request_series
from tests.conftest import SignedIn

WEDNESDAY_9 = "2026-12-02T09:00:00-05:00"


def _mine(client: TestClient, desk: SignedIn, patient_id: str) -> list[Any]:
    response = client.get("/api/v1/appointments", params={"patient_id": patient_id},
                          headers=desk.headers)  # fmt: skip
    listed: list[Any] = response.json()
    return listed


def test_the_asked_for_clinician_is_kept_or_the_series_is_a_conflict(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    a, b = (c["id"] for c in clinic.clinicians)
    book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9, clinician_id=a)
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"], clinician_id=a)
    assert response.status_code == 409, response.text
    [conflict] = response.json()["conflicts"]
    assert conflict["index"] == 0
    alternatives = conflict["alternatives"]
    assert all({"starts_at", "clinician_id", "room_id", "changes"} <= set(x) for x in alternatives)
    assert any(x["clinician_id"] == a and "clinician" not in x["changes"] for x in alternatives)
    # Another clinician is only ever proposed explicitly, never booked silently.
    other = [x for x in alternatives if x["clinician_id"] != a]
    assert other
    assert all("clinician" in x["changes"] for x in other)
    assert {x["clinician_id"] for x in other} == {b}
    assert _mine(client, front_desk, patient["id"]) == []


def test_an_alternative_with_another_clinician_is_booked_when_the_desk_accepts_it(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    a, b = (c["id"] for c in clinic.clinicians)
    book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9, clinician_id=a)
    patient = ready_patient(client, front_desk, clinician_login)
    refused = request_series(client, clinic, front_desk, patient["id"], clinician_id=a).json()
    [conflict] = refused["conflicts"]
    [with_b] = [x for x in conflict["alternatives"] if x["clinician_id"] == b][:1]
    accepted = {"index": 0} | {k: with_b[k] for k in ("starts_at", "clinician_id", "room_id")}
    response = request_series(client, clinic, front_desk, patient["id"], clinician_id=a,
                              overrides=[accepted])  # fmt: skip
    assert response.status_code == 201, response.text
    sessions = response.json()["appointments"]
    assert [s["clinician_id"] for s in sessions] == [b] + [a] * 5
    assert sessions[0]["room_id"] == with_b["room_id"]


def test_without_a_clinician_asked_one_clinician_and_chair_fit_every_session(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    # Wednesday: A starts another infusion in chair 2. A first-fit would give Monday to
    # A in chair 1 and then switch Wednesday to B; B in chair 1 fits all six.
    a, b = (c["id"] for c in clinic.clinicians)
    chair_1, chair_2 = (c["id"] for c in clinic.chairs)
    book_infusion(client, clinic, front_desk, clinician_login, WEDNESDAY_9, clinician_id=a,
                  room_id=chair_2)  # fmt: skip
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"])
    assert response.status_code == 201, response.text
    sessions = response.json()["appointments"]
    assert {(s["clinician_id"], s["room_id"]) for s in sessions} == {(b, chair_1)}


def test_without_a_chair_asked_the_series_keeps_one_chair(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    # Wednesday: B's infusion takes chair 1; A fits every session in chair 2.
    a, b = (c["id"] for c in clinic.clinicians)
    chair_1, chair_2 = (c["id"] for c in clinic.chairs)
    book_infusion(client, clinic, front_desk, clinician_login, WEDNESDAY_9, clinician_id=b,
                  room_id=chair_1)  # fmt: skip
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"])
    assert response.status_code == 201, response.text
    sessions = response.json()["appointments"]
    assert {(s["clinician_id"], s["room_id"]) for s in sessions} == {(a, chair_2)}


def test_when_no_clinician_fits_every_session_the_conflict_names_the_others(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    # A is busy on Monday, B on Wednesday: no single clinician can take all six.
    a, b = (c["id"] for c in clinic.clinicians)
    book_infusion(client, clinic, front_desk, clinician_login, MONDAY_9, clinician_id=a)
    book_infusion(client, clinic, front_desk, clinician_login, WEDNESDAY_9, clinician_id=b)
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"])
    assert response.status_code == 409, response.text
    [conflict] = response.json()["conflicts"]
    assert conflict["clinician_id"] in {a, b}  # the clinician the rest of the series keeps
    for alternative in conflict["alternatives"]:
        moved = alternative["clinician_id"] != conflict["clinician_id"]
        assert ("clinician" in alternative["changes"]) is moved
    assert _mine(client, front_desk, patient["id"]) == []


def test_an_override_must_name_a_session_of_the_series(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"],
                              overrides=[{"index": 6, "starts_at": MONDAY_9}])  # fmt: skip
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_session"
