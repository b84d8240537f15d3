"""Series booked as one unit, and the waitlist matched when a slot frees up."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.booking.api.series_helpers import ESCORT, ready_patient, request_series
from tests.conftest import SignedIn
from tests.factories import make_patient


def _starts(series: Any) -> list[datetime]:
    return [datetime.fromisoformat(a["starts_at"]) for a in series["appointments"]]


def test_an_iv_induction_books_six_sessions_with_the_same_clinician_and_chair(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"])
    assert response.status_code == 201, response.text
    series = response.json()
    days = [s.date().isoformat() for s in _starts(series)]
    assert days == ["2026-11-30", "2026-12-02", "2026-12-04", "2026-12-07", "2026-12-09",
                    "2026-12-11"]  # fmt: skip
    assert {a["starts_at"][11:] for a in series["appointments"]} == {"09:00:00-05:00"}
    assert len({a["clinician_id"] for a in series["appointments"]}) == 1
    assert len({a["room_id"] for a in series["appointments"]}) == 1
    assert {a["series_id"] for a in series["appointments"]} == {series["id"]}


def test_a_series_that_does_not_fit_books_nothing_and_proposes_alternatives(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    # Both chairs are taken on Friday 4 December at 09:00.
    for n, clinician in enumerate(clinic.clinicians):
        other = ready_patient(client, front_desk, clinician_login)
        body = {"appointment_type_id": clinic.infusion["id"], "patient_id": other["id"],
                "starts_at": "2026-12-04T09:00:00-05:00", "clinician_id": clinician["id"],
                "escort": ESCORT}  # fmt: skip
        assert book(client, body, front_desk.headers).status_code == 201, n
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(client, clinic, front_desk, patient["id"])
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "series_conflict"
    [conflict] = problem["conflicts"]
    assert conflict["index"] == 2
    alternatives = [datetime.fromisoformat(a["starts_at"]) for a in conflict["alternatives"]]
    assert alternatives
    neighbours = [datetime.fromisoformat(t) for t in ("2026-12-02T09:00:00-05:00",
                                                      "2026-12-07T09:00:00-05:00")]  # fmt: skip
    assert all(abs(a - n) >= timedelta(hours=48) for a in alternatives for n in neighbours)
    mine = client.get("/api/v1/appointments", params={"patient_id": patient["id"]},
                      headers=front_desk.headers).json()  # fmt: skip
    assert mine == []


def test_custom_series_must_keep_the_spacing(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    starts = ["2026-11-30T09:00:00-05:00", "2026-12-01T09:00:00-05:00"]
    response = request_series(client, clinic, front_desk, patient["id"], protocol="custom",
                               first_starts_at=None, starts=starts)  # fmt: skip
    assert response.status_code == 422
    assert response.json()["code"] == "series_spacing"


def test_custom_series_sessions_cannot_overlap_each_other(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    for starts in (
        ["2026-11-30T09:00:00-05:00", "2026-11-30T10:00:00-05:00"],  # 120-min chair sessions
        ["2026-11-30T09:00:00-05:00", "2026-11-30T09:00:00-05:00"],
    ):
        response = request_series(
            client, clinic, front_desk, patient["id"], protocol="custom", first_starts_at=None,
            starts=starts, min_gap_hours=0,
        )  # fmt: skip
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "series_overlap"
    mine = client.get("/api/v1/appointments", params={"patient_id": patient["id"]},
                      headers=front_desk.headers).json()  # fmt: skip
    assert mine == []


def test_moving_one_session_checks_the_spacing_again(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    series = request_series(client, clinic, front_desk, patient["id"]).json()
    last = series["appointments"][-1]  # Friday 11 December; Wednesday 9th comes before
    too_close = client.post(f"/api/v1/appointments/{last['id']}/reschedule",
                            json={"starts_at": "2026-12-10T09:00:00-05:00"},
                            headers=front_desk.headers)  # fmt: skip
    assert too_close.status_code == 422
    assert too_close.json()["code"] == "series_spacing"
    fine = client.post(f"/api/v1/appointments/{last['id']}/reschedule",
                       json={"starts_at": "2026-12-14T09:00:00-05:00"},
                       headers=front_desk.headers)  # fmt: skip
    assert fine.status_code == 200, fine.text


def test_the_esketamine_induction_is_twice_weekly_then_weekly(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    patient = ready_patient(client, front_desk, clinician_login)
    response = request_series(
        client, clinic, front_desk, patient["id"], protocol="esketamine_induction"
    )
    assert response.status_code == 201, response.text
    starts = _starts(response.json())
    assert len(starts) == 12
    gaps = [(b - a).days for a, b in itertools.pairwise(starts)]
    assert gaps[:7] == [3, 4, 3, 4, 3, 4, 3]
    assert gaps[7:] == [4, 7, 7, 7]


def test_a_cancellation_matches_the_waitlist(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    waiting = make_patient(client, front_desk.headers)
    join = client.post("/api/v1/waitlist", json={
        "patient_id": waiting["id"], "appointment_type_id": clinic.consult["id"],
        "earliest": "2026-11-30", "latest": "2026-12-01"}, headers=front_desk.headers)  # fmt: skip
    assert join.status_code == 201, join.text
    later_window = {"patient_id": waiting["id"], "appointment_type_id": clinic.consult["id"],
                    "earliest": "2026-12-10", "latest": "2026-12-11"}  # fmt: skip
    later = client.post("/api/v1/waitlist", json=later_window, headers=front_desk.headers).json()
    booked = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                           "patient": patient_details(1)}).json()  # fmt: skip
    cancel = client.post(f"/api/v1/appointments/{booked['appointment']['id']}/cancel",
                         json={"reason": "ill"}, headers=front_desk.headers)  # fmt: skip
    assert cancel.status_code == 200
    entries = {e["id"]: e for e in client.get("/api/v1/waitlist",
                                              headers=front_desk.headers).json()}  # fmt: skip
    matched = entries[join.json()["id"]]
    assert matched["status"] == "matched"
    assert matched["matched_starts_at"] == "2026-11-30T09:00:00-05:00"
    assert entries[later["id"]]["status"] == "waiting"  # outside its window


def _join(client: TestClient, clinic: Clinic, desk: SignedIn, **extra: Any) -> Any:
    patient = make_patient(client, desk.headers)
    body = {"patient_id": patient["id"], "appointment_type_id": clinic.consult["id"],
            "earliest": "2026-11-30", "latest": "2026-12-01"} | extra  # fmt: skip
    return client.post("/api/v1/waitlist", json=body, headers=desk.headers)


def _statuses(client: TestClient, desk: SignedIn) -> list[str]:
    return [e["status"] for e in client.get("/api/v1/waitlist", headers=desk.headers).json()]


def test_one_freed_slot_is_offered_to_the_longest_waiting_patient_only(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    first = _join(client, clinic, front_desk).json()
    clock.advance(timedelta(minutes=1))
    second = _join(client, clinic, front_desk).json()
    booked = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                           "patient": patient_details(1)}).json()  # fmt: skip
    client.post(f"/api/v1/appointments/{booked['appointment']['id']}/cancel", json={},
                headers=front_desk.headers)  # fmt: skip
    listed = client.get("/api/v1/waitlist", headers=front_desk.headers).json()
    assert {e["id"]: e["status"] for e in listed} == {
        first["id"]: "matched", second["id"]: "waiting",
    }  # fmt: skip


def test_a_slot_that_is_not_really_free_matches_nobody(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    assert _join(client, clinic, front_desk).status_code == 201
    clinician = clinic.clinicians[0]["id"]
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "clinician_id": clinician, "patient": patient_details(2)}  # fmt: skip
    booked = book(client, body, front_desk.headers).json()["appointment"]
    # Fifteen minutes later with the same clinician: 09:00 is still covered by the session.
    moved = client.post(f"/api/v1/appointments/{booked['id']}/reschedule",
                        json={"starts_at": "2026-11-30T09:15:00-05:00"},
                        headers=front_desk.headers)  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert _statuses(client, front_desk) == ["waiting"]


def test_joining_for_an_unknown_clinician_is_a_404(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    response = _join(client, clinic, front_desk, clinician_id=str(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["detail"] == "clinician not found"


def test_waitlist_windows_are_validated_and_entries_withdrawn(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    body = {"patient_id": patient["id"], "appointment_type_id": clinic.consult["id"],
            "earliest": "2026-12-10", "latest": "2026-12-01"}  # fmt: skip
    assert client.post("/api/v1/waitlist", json=body, headers=front_desk.headers).status_code == 422
    body["latest"] = "2026-12-12"
    entry = client.post("/api/v1/waitlist", json=body, headers=front_desk.headers).json()
    gone = client.delete(f"/api/v1/waitlist/{entry['id']}", headers=front_desk.headers)
    assert gone.status_code == 204
    again = client.delete(f"/api/v1/waitlist/{entry['id']}", headers=front_desk.headers)
    assert again.status_code == 409
