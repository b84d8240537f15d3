"""Clinic setup through the HTTP API: locations (time zones, phones, names unique
ignoring case, patches) and the rooms and treatment chairs at each location."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.setup_helpers import (
    API,
    UNKNOWN_ID,
    audit_events,
    expect_ok,
    expect_problem,
    field_names,
)
from tests.conftest import SignedIn
from tests.factories import make_location, make_room

# ---------------------------------------------------------------- locations


def test_a_created_location_comes_back_with_its_phone_in_e164(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(
        client, admin.headers, name="Back Bay", timezone="America/Chicago", phone="(617) 555-0100"
    )
    assert location["name"] == "Back Bay"
    assert location["timezone"] == "America/Chicago"
    assert location["phone"] == "+16175550100"
    assert location["active"] is True
    assert uuid.UUID(location["id"])


def test_a_location_can_be_fetched_by_id(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers)
    fetched = expect_ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched == location


def test_locations_are_listed_by_name(client: TestClient, admin: SignedIn) -> None:
    for name in ("Cambridge", "Allston", "Brookline"):
        make_location(client, admin.headers, name=name)
    listed = expect_ok(client.get(f"{API}/locations", headers=admin.headers))
    assert [loc["name"] for loc in listed] == ["Allston", "Brookline", "Cambridge"]


def test_patch_changes_only_the_fields_sent(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, address="1 Main Street")
    patched = expect_ok(
        client.patch(
            f"{API}/locations/{location['id']}",
            json={"address": "2 Side Street", "phone": "+1 212 555 0199"},
            headers=admin.headers,
        )
    )
    assert patched == location | {"address": "2 Side Street", "phone": "+12125550199"}
    fetched = expect_ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched == patched


def test_patching_phone_to_null_removes_it(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"phone": None}, headers=admin.headers
    )
    assert expect_ok(response)["phone"] is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "america/new_york", ""])
def test_an_unknown_time_zone_is_refused_by_name(
    client: TestClient, admin: SignedIn, zone: str
) -> None:
    body = {"name": "Somewhere", "timezone": zone}
    problem = expect_problem(
        client.post(f"{API}/locations", json=body, headers=admin.headers), 422, "validation_error"
    )
    assert field_names(problem) == {"timezone"}
    assert repr(zone) in problem["detail"]
    assert expect_ok(client.get(f"{API}/locations", headers=admin.headers)) == []


def test_patching_in_an_unknown_time_zone_is_refused(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, timezone="America/Denver")
    response = client.patch(
        f"{API}/locations/{location['id']}",
        json={"timezone": "Mars/Olympus"},
        headers=admin.headers,
    )
    assert "Mars/Olympus" in expect_problem(response, 422, "validation_error")["detail"]
    fetched = expect_ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched["timezone"] == "America/Denver"


@pytest.mark.parametrize("phone", ["12345", "not a phone", "+1 617 555 01000000"])
def test_an_invalid_phone_is_refused(client: TestClient, admin: SignedIn, phone: str) -> None:
    body = {"name": "Somewhere", "timezone": "America/New_York", "phone": phone}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert field_names(expect_problem(response, 422, "validation_error")) == {"phone"}


def test_a_location_name_is_unique_ignoring_case(client: TestClient, admin: SignedIn) -> None:
    make_location(client, admin.headers, name="Back Bay")
    body = {"name": "BACK bay", "timezone": "America/New_York"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert "BACK bay" in expect_problem(response, 409, "name_taken")["detail"]
    assert len(expect_ok(client.get(f"{API}/locations", headers=admin.headers))) == 1


def test_a_non_ascii_location_name_is_unique_ignoring_case(
    client: TestClient, admin: SignedIn
) -> None:
    make_location(client, admin.headers, name="Clínica Ñuñoa")
    body = {"name": "CLÍNICA ÑUÑOA", "timezone": "America/Santiago"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    expect_problem(response, 409, "name_taken")


def test_renaming_a_location_to_a_taken_name_is_409(client: TestClient, admin: SignedIn) -> None:
    make_location(client, admin.headers, name="Back Bay")
    other = make_location(client, admin.headers, name="Cambridge")
    response = client.patch(
        f"{API}/locations/{other['id']}", json={"name": "back bay"}, headers=admin.headers
    )
    expect_problem(response, 409, "name_taken")


def test_a_location_may_change_the_case_of_its_own_name(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers, name="back bay")
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"name": "Back Bay"}, headers=admin.headers
    )
    assert expect_ok(response)["name"] == "Back Bay"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_unknown_location_is_404(client: TestClient, admin: SignedIn, method: str) -> None:
    response = client.request(
        method,
        f"{API}/locations/{UNKNOWN_ID}",
        json={"address": "x"} if method == "PATCH" else None,
        headers=admin.headers,
    )
    assert "location" in expect_problem(response, 404, "not_found")["detail"]


def test_an_unknown_field_in_a_location_is_refused(client: TestClient, admin: SignedIn) -> None:
    body = {"name": "Somewhere", "timezone": "America/New_York", "time_zone": "UTC"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert field_names(expect_problem(response, 422, "validation_error")) == {"time_zone"}


def test_an_unknown_field_in_a_location_patch_is_refused(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"adress": "typo"}, headers=admin.headers
    )
    assert field_names(expect_problem(response, 422, "validation_error")) == {"adress"}


@pytest.mark.parametrize("field", ["name", "timezone", "address", "active"])
def test_a_location_patch_cannot_null_a_required_field(
    client: TestClient, admin: SignedIn, field: str
) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={field: None}, headers=admin.headers
    )
    assert field in expect_problem(response, 422, "validation_error")["detail"]
    assert (
        expect_ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
        == location
    )


# ---------------------------------------------------------------- rooms


def test_a_room_is_created_for_a_location(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    there = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"], name="Chair 1", kind="treatment_chair")
    make_room(client, admin.headers, there["id"], name="Consult A", kind="consult_room")
    assert room["location_id"] == here["id"]
    assert room["kind"] == "treatment_chair"
    listed = expect_ok(
        client.get(f"{API}/rooms", params={"location_id": here["id"]}, headers=admin.headers)
    )
    assert listed == [room]


def test_a_room_at_an_unknown_location_is_an_unknown_reference(
    client: TestClient, admin: SignedIn
) -> None:
    body = {"location_id": UNKNOWN_ID, "name": "Chair 1", "kind": "treatment_chair"}
    response = client.post(f"{API}/rooms", json=body, headers=admin.headers)
    assert "location" in expect_problem(response, 422, "unknown_reference")["detail"]


def test_room_names_are_unique_within_a_location_only(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    there = make_location(client, admin.headers)
    make_room(client, admin.headers, here["id"], name="Chair 1")
    body = {"location_id": here["id"], "name": "chair 1", "kind": "treatment_chair"}
    expect_problem(client.post(f"{API}/rooms", json=body, headers=admin.headers), 409, "name_taken")
    elsewhere = make_room(client, admin.headers, there["id"], name="Chair 1")
    assert elsewhere["location_id"] == there["id"]


def test_renaming_a_room_to_a_taken_name_is_409(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    make_room(client, admin.headers, here["id"], name="Chair 1")
    second = make_room(client, admin.headers, here["id"], name="Chair 2")
    response = client.patch(
        f"{API}/rooms/{second['id']}", json={"name": "CHAIR 1"}, headers=admin.headers
    )
    expect_problem(response, 409, "name_taken")


def test_a_room_patch_is_applied_and_audited(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"], name="Chair 1")
    response = client.patch(
        f"{API}/rooms/{room['id']}", json={"active": False}, headers=admin.headers
    )
    assert expect_ok(response) == room | {"active": False}
    (update,) = [e for e in audit_events(client, admin, room["id"]) if e["action"] == "room.update"]
    assert (update["before"], update["after"]) == ({"active": True}, {"active": False})


def test_a_room_name_too_long_to_store_is_refused(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    body = {"location_id": here["id"], "name": "C" * 150, "kind": "treatment_chair"}
    response = client.post(f"{API}/rooms", json=body, headers=admin.headers)
    assert field_names(expect_problem(response, 422, "validation_error")) == {"name"}


@pytest.mark.parametrize("field", ["name", "kind", "active"])
def test_a_room_patch_cannot_null_a_required_field(
    client: TestClient, admin: SignedIn, field: str
) -> None:
    here = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"])
    response = client.patch(f"{API}/rooms/{room['id']}", json={field: None}, headers=admin.headers)
    assert field in expect_problem(response, 422, "validation_error")["detail"]


def test_an_unknown_room_is_404(client: TestClient, admin: SignedIn) -> None:
    expect_problem(client.get(f"{API}/rooms/{UNKNOWN_ID}", headers=admin.headers), 404, "not_found")
