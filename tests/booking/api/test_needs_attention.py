"""Changes to hours, time off and closures that strand booked appointments: a 409 naming
them unless confirmed, then the needs-attention list until each is moved or cancelled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import FrozenClock
from tests.booking.api.conftest import MONDAY_9, Clinic, book
from tests.booking.api.setup_helpers import (
    API,
    expect_ok,
    expect_problem,
    listed_rules,
    period_body,
    post_closure,
    post_override,
    post_time_off,
)
from tests.conftest import SignedIn
from tests.factories import make_location, make_patient

NEEDS_ATTENTION = f"{API}/appointments/needs-attention"
MONDAY_DAY = period_body("2026-11-30T08:00:00-05:00", "2026-11-30T17:00:00-05:00", "course")
CONFIRM = {"confirm_affected": "true"}


def _book(client: TestClient, clinic: Clinic, desk: SignedIn, starts_at: str = MONDAY_9) -> Any:
    patient = make_patient(client, desk.headers, given_name="Zoë", family_name="Quinn")
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": starts_at,
            "patient_id": patient["id"], "clinician_id": clinic.clinicians[0]["id"]}  # fmt: skip
    return expect_ok(book(client, body, desk.headers), 201)["appointment"]


def _attention(client: TestClient, who: SignedIn) -> list[Any]:
    listed: list[Any] = expect_ok(client.get(NEEDS_ATTENTION, headers=who.headers))
    return listed


def test_time_off_over_a_booking_names_it_and_records_nothing(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    clinician = clinic.clinicians[0]["id"]
    body = expect_problem(
        post_time_off(client, front_desk, clinician, MONDAY_DAY), 409, "affects_appointments"
    )
    (named,) = body["appointments"]
    assert named == {
        "appointment_id": appointment["id"],
        "starts_at": "2026-11-30T09:00:00-05:00",
        "clinician_id": clinician,
        "patient_initials": "ZQ",
        "reason": "time_off",
    }
    assert "Quinn" not in str(body)
    assert listed_rules(client, front_desk, clinician, "time-off") == []
    assert _attention(client, front_desk) == []


def test_confirmed_time_off_puts_the_booking_on_the_list_until_it_is_moved(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    clinician = clinic.clinicians[0]["id"]
    url = f"{API}/clinicians/{clinician}/time-off"
    created = client.post(url, json=MONDAY_DAY, params=CONFIRM, headers=front_desk.headers)
    assert created.status_code == 201, created.text
    (listed,) = _attention(client, front_desk)
    assert listed["appointment_id"] == appointment["id"]
    assert listed["reason"] == "time_off"
    assert listed["status"] == "booked"
    assert listed["starts_at"] == "2026-11-30T09:00:00-05:00"
    moved = client.post(
        f"{API}/appointments/{appointment['id']}/reschedule",
        json={"starts_at": "2026-12-01T09:00:00-05:00"}, headers=front_desk.headers,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert _attention(client, front_desk) == []


def test_a_cancelled_booking_leaves_the_list_and_never_strands(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    location = clinic.location["id"]
    expect_problem(post_closure(client, front_desk, location, MONDAY_DAY), 409,
                   "affects_appointments")  # fmt: skip
    url = f"{API}/locations/{location}/closures"
    confirmed = client.post(url, json=MONDAY_DAY, params=CONFIRM, headers=front_desk.headers)
    assert confirmed.status_code == 201, confirmed.text
    assert [a["reason"] for a in _attention(client, front_desk)] == ["closed"]
    cancel = client.post(f"{API}/appointments/{appointment['id']}/cancel",
                         json={"reason": "clinic closed", "by_clinic": True},
                         headers=front_desk.headers)  # fmt: skip
    assert cancel.status_code == 200, cancel.text
    assert _attention(client, front_desk) == []
    # With only a cancelled appointment there, more time off strands nothing.
    again = post_time_off(client, front_desk, clinic.clinicians[0]["id"], MONDAY_DAY)
    assert again.status_code == 201, again.text


def test_time_off_elsewhere_in_time_or_for_another_clinician_is_accepted(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    _book(client, clinic, front_desk)
    later = period_body("2026-11-30T10:00:00-05:00", "2026-11-30T17:00:00-05:00")
    a, b = (c["id"] for c in clinic.clinicians)
    assert post_time_off(client, front_desk, a, later).status_code == 201
    assert post_time_off(client, front_desk, b, MONDAY_DAY).status_code == 201
    assert _attention(client, front_desk) == []


def test_a_day_off_or_a_day_at_another_location_strands_the_booking(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    clinician, here = clinic.clinicians[0]["id"], clinic.location["id"]
    elsewhere = make_location(client, admin.headers, name="Cambridge")["id"]
    for location, times in ((here, {}), (elsewhere, {"start_time": "08:00", "end_time": "17:00"})):
        response = post_override(client, front_desk, clinician, location, on_date="2026-11-30",
                                 **times)  # fmt: skip
        body = expect_problem(response, 409, "affects_appointments")
        assert [a["appointment_id"] for a in body["appointments"]] == [appointment["id"]]
        assert body["appointments"][0]["reason"] == "outside_hours"
    # Shorter hours that still hold the 09:00-10:00 consult strand nothing.
    fine = post_override(client, front_desk, clinician, here, on_date="2026-11-30",
                         start_time="09:00", end_time="12:00")  # fmt: skip
    assert fine.status_code == 201, fine.text


def test_removing_the_hours_of_a_booking_needs_confirming(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    clinician = clinic.clinicians[0]["id"]
    monday = next(r for r in listed_rules(client, front_desk, clinician, "working-hours")
                  if r["weekday"] == 0)  # fmt: skip
    url = f"{API}/clinicians/{clinician}/working-hours/{monday['id']}"
    expect_problem(client.delete(url, headers=front_desk.headers), 409, "affects_appointments")
    assert len(listed_rules(client, front_desk, clinician, "working-hours")) == 5
    assert client.delete(url, params=CONFIRM, headers=front_desk.headers).status_code == 204
    (listed,) = _attention(client, front_desk)
    assert (listed["appointment_id"], listed["reason"]) == (appointment["id"], "outside_hours")


def test_an_already_stranded_booking_is_not_named_again(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    _book(client, clinic, front_desk)
    clinician = clinic.clinicians[0]["id"]
    url = f"{API}/clinicians/{clinician}/time-off"
    first = client.post(url, json=MONDAY_DAY, params=CONFIRM, headers=front_desk.headers)
    assert first.status_code == 201
    morning = period_body("2026-11-30T08:00:00-05:00", "2026-11-30T12:00:00-05:00")
    assert post_time_off(client, front_desk, clinician, morning).status_code == 201
    # Removing the first period leaves the booking stranded by the second.
    removed = client.delete(f"{url}/{first.json()['id']}", headers=front_desk.headers)
    assert removed.status_code == 204
    assert [a["reason"] for a in _attention(client, front_desk)] == ["time_off"]


def test_past_appointments_are_not_listed(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    _book(client, clinic, front_desk)
    url = f"{API}/clinicians/{clinic.clinicians[0]['id']}/time-off"
    assert client.post(url, json=MONDAY_DAY, params=CONFIRM,
                       headers=front_desk.headers).status_code == 201  # fmt: skip
    assert len(_attention(client, front_desk)) == 1
    clock.advance(timedelta(days=5))
    assert _attention(client, front_desk) == []


def test_the_list_is_for_the_desk_and_admins_only(
    client: TestClient, clinician_login: SignedIn, admin: SignedIn
) -> None:
    expect_problem(client.get(NEEDS_ATTENTION, headers=clinician_login.headers), 403, "forbidden")
    expect_problem(client.get(NEEDS_ATTENTION), 401, "unauthenticated")
    assert _attention(client, admin) == []
