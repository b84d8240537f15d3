"""Retiring a clinician, a location or a chair, or moving a location to another zone, strands
its booked appointments just as time off does: a 409 naming them unless confirmed, then the
needs-attention list."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from tests.booking.api.conftest import Clinic
from tests.booking.api.setup_helpers import API, expect_ok, expect_problem
from tests.booking.api.test_needs_attention import CONFIRM, NEEDS_ATTENTION, _book
from tests.conftest import SignedIn


def _patch(
    client: TestClient, admin: SignedIn, url: str, body: dict[str, Any], **params: str
) -> httpx.Response:
    return client.patch(url, json=body, params=params, headers=admin.headers)


def _targets(clinic: Clinic, appointment: dict[str, Any]) -> dict[str, str]:
    return {
        "clinician_inactive": f"{API}/clinicians/{appointment['clinician_id']}",
        "location_inactive": f"{API}/locations/{clinic.location['id']}",
        "room_inactive": f"{API}/rooms/{appointment['room_id']}",
    }


@pytest.mark.parametrize("reason", ["clinician_inactive", "location_inactive", "room_inactive"])
def test_retiring_what_a_booking_needs_names_it_and_changes_nothing(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn, reason: str
) -> None:
    appointment = _book(client, clinic, front_desk)
    url = _targets(clinic, appointment)[reason]
    body = expect_problem(
        _patch(client, admin, url, {"active": False}), 409, "affects_appointments"
    )
    (named,) = body["appointments"]
    assert named["appointment_id"] == appointment["id"]
    assert named["reason"] == reason
    assert expect_ok(client.get(url, headers=admin.headers))["active"] is True
    assert expect_ok(client.get(NEEDS_ATTENTION, headers=front_desk.headers)) == []


@pytest.mark.parametrize("reason", ["clinician_inactive", "location_inactive", "room_inactive"])
def test_confirmed_retirement_lists_the_booking_until_it_is_cancelled(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn, reason: str
) -> None:
    appointment = _book(client, clinic, front_desk)
    url = _targets(clinic, appointment)[reason]
    retired = expect_ok(_patch(client, admin, url, {"active": False}, **CONFIRM))
    assert retired["active"] is False
    (listed,) = expect_ok(client.get(NEEDS_ATTENTION, headers=front_desk.headers))
    assert (listed["appointment_id"], listed["reason"]) == (appointment["id"], reason)
    cancelled = client.post(
        f"{API}/appointments/{appointment['id']}/cancel",
        json={"reason": "clinic change"}, headers=front_desk.headers,
    )  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    assert expect_ok(client.get(NEEDS_ATTENTION, headers=front_desk.headers)) == []


def test_moving_a_location_to_another_zone_names_bookings_outside_the_hours(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    # 09:00 in New York is 06:00 in Los Angeles, before the clinician's 08:00 start there.
    appointment = _book(client, clinic, front_desk)
    url = f"{API}/locations/{clinic.location['id']}"
    moved = {"timezone": "America/Los_Angeles"}
    body = expect_problem(_patch(client, admin, url, moved), 409, "affects_appointments")
    assert [(a["appointment_id"], a["reason"]) for a in body["appointments"]] == [
        (appointment["id"], "outside_hours")
    ]
    assert expect_ok(client.get(url, headers=admin.headers))["timezone"] == "America/New_York"


def test_renaming_strands_nothing_and_needs_no_confirmation(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    for url in _targets(clinic, appointment).values():
        renamed = expect_ok(_patch(client, admin, url, {"name": "Renamed"}))
        assert renamed["name"] == "Renamed"


def test_taking_a_type_from_a_clinician_names_their_bookings_of_it(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    appointment = _book(client, clinic, front_desk)
    url = f"{API}/clinicians/{appointment['clinician_id']}"
    only_iv = {"appointment_type_ids": [clinic.infusion["id"]]}
    body = expect_problem(_patch(client, admin, url, only_iv), 409, "affects_appointments")
    assert [(a["appointment_id"], a["reason"]) for a in body["appointments"]] == [
        (appointment["id"], "clinician_unqualified")
    ]
    kept = expect_ok(client.get(url, headers=admin.headers))["appointment_type_ids"]
    assert sorted(kept) == sorted([clinic.consult["id"], clinic.infusion["id"]])
    expect_ok(_patch(client, admin, url, only_iv, **CONFIRM))
    (listed,) = expect_ok(client.get(NEEDS_ATTENTION, headers=front_desk.headers))
    assert listed["reason"] == "clinician_unqualified"
