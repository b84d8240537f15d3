"""Clinic setup through the HTTP API: locations, appointment types, clinicians, rooms,
weekly hours, date overrides, time off and closures; their validation, their roles
and the audit event every write leaves behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from booking.models import Role
from tests.conftest import MakeStaff, SignedIn
from tests.factories import make_appointment_type, make_clinician, make_location, make_room

API = "/api/v1"
UNKNOWN_ID = str(uuid.UUID(int=42))
Json = dict[str, Any]


def _problem(response: httpx.Response, status: int, code: str) -> Json:
    """Assert ``response`` is problem JSON with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Json = response.json()
    assert body["status"] == status
    assert body["code"] == code
    return body


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _fields(body: Json) -> set[str]:
    """The fields a validation problem names."""
    return {error["field"] for error in body["errors"]}


def _audit(client: TestClient, who: SignedIn, entity_id: str) -> list[Json]:
    events: list[Json] = _ok(
        client.get(f"{API}/audit", params={"entity_id": entity_id}, headers=who.headers)
    )
    return events


def _actions(client: TestClient, who: SignedIn, entity_id: str) -> list[str]:
    return sorted(event["action"] for event in _audit(client, who, entity_id))


def _hours(
    client: TestClient,
    who: SignedIn,
    clinician_id: str,
    location_id: str,
    *,
    weekday: int = 0,
    start: str = "09:00",
    end: str = "17:00",
    **extra: Any,
) -> httpx.Response:
    body = {"location_id": location_id, "weekday": weekday, "start_time": start, "end_time": end}
    return client.post(
        f"{API}/clinicians/{clinician_id}/working-hours", json=body | extra, headers=who.headers
    )


def _override(
    client: TestClient, who: SignedIn, clinician_id: str, location_id: str, **times: Any
) -> httpx.Response:
    body = {"location_id": location_id, "on_date": "2026-12-07"} | times
    return client.post(
        f"{API}/clinicians/{clinician_id}/date-overrides", json=body, headers=who.headers
    )


def _type_body(**fields: Any) -> Json:
    """A valid appointment type without a room, with ``fields`` on top."""
    body: Json = {"name": "Consult", "public_name": "Consultation", "kind": "consult"}
    return body | {"clinician_minutes": 60} | fields


def _period(starts_at: str, ends_at: str, reason: str = "") -> Json:
    return {"starts_at": starts_at, "ends_at": ends_at, "reason": reason}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


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
    fetched = _ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched == location


def test_locations_are_listed_by_name(client: TestClient, admin: SignedIn) -> None:
    for name in ("Cambridge", "Allston", "Brookline"):
        make_location(client, admin.headers, name=name)
    listed = _ok(client.get(f"{API}/locations", headers=admin.headers))
    assert [loc["name"] for loc in listed] == ["Allston", "Brookline", "Cambridge"]


def test_patch_changes_only_the_fields_sent(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, address="1 Main Street")
    patched = _ok(
        client.patch(
            f"{API}/locations/{location['id']}",
            json={"address": "2 Side Street", "phone": "+1 212 555 0199"},
            headers=admin.headers,
        )
    )
    assert patched == location | {"address": "2 Side Street", "phone": "+12125550199"}
    fetched = _ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched == patched


def test_patching_phone_to_null_removes_it(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"phone": None}, headers=admin.headers
    )
    assert _ok(response)["phone"] is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "america/new_york", ""])
def test_an_unknown_time_zone_is_refused_by_name(
    client: TestClient, admin: SignedIn, zone: str
) -> None:
    body = {"name": "Somewhere", "timezone": zone}
    problem = _problem(
        client.post(f"{API}/locations", json=body, headers=admin.headers), 422, "validation_error"
    )
    assert _fields(problem) == {"timezone"}
    assert repr(zone) in problem["detail"]
    assert _ok(client.get(f"{API}/locations", headers=admin.headers)) == []


def test_patching_in_an_unknown_time_zone_is_refused(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, timezone="America/Denver")
    response = client.patch(
        f"{API}/locations/{location['id']}",
        json={"timezone": "Mars/Olympus"},
        headers=admin.headers,
    )
    assert "Mars/Olympus" in _problem(response, 422, "validation_error")["detail"]
    fetched = _ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers))
    assert fetched["timezone"] == "America/Denver"


@pytest.mark.parametrize("phone", ["12345", "not a phone", "+1 617 555 01000000"])
def test_an_invalid_phone_is_refused(client: TestClient, admin: SignedIn, phone: str) -> None:
    body = {"name": "Somewhere", "timezone": "America/New_York", "phone": phone}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert _fields(_problem(response, 422, "validation_error")) == {"phone"}


def test_a_location_name_is_unique_ignoring_case(client: TestClient, admin: SignedIn) -> None:
    make_location(client, admin.headers, name="Back Bay")
    body = {"name": "BACK bay", "timezone": "America/New_York"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert "BACK bay" in _problem(response, 409, "name_taken")["detail"]
    assert len(_ok(client.get(f"{API}/locations", headers=admin.headers))) == 1


def test_a_non_ascii_location_name_is_unique_ignoring_case(
    client: TestClient, admin: SignedIn
) -> None:
    make_location(client, admin.headers, name="Clínica Ñuñoa")
    body = {"name": "CLÍNICA ÑUÑOA", "timezone": "America/Santiago"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    _problem(response, 409, "name_taken")


def test_renaming_a_location_to_a_taken_name_is_409(client: TestClient, admin: SignedIn) -> None:
    make_location(client, admin.headers, name="Back Bay")
    other = make_location(client, admin.headers, name="Cambridge")
    response = client.patch(
        f"{API}/locations/{other['id']}", json={"name": "back bay"}, headers=admin.headers
    )
    _problem(response, 409, "name_taken")


def test_a_location_may_change_the_case_of_its_own_name(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers, name="back bay")
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"name": "Back Bay"}, headers=admin.headers
    )
    assert _ok(response)["name"] == "Back Bay"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_unknown_location_is_404(client: TestClient, admin: SignedIn, method: str) -> None:
    response = client.request(
        method,
        f"{API}/locations/{UNKNOWN_ID}",
        json={"address": "x"} if method == "PATCH" else None,
        headers=admin.headers,
    )
    assert "location" in _problem(response, 404, "not_found")["detail"]


def test_an_unknown_field_in_a_location_is_refused(client: TestClient, admin: SignedIn) -> None:
    body = {"name": "Somewhere", "timezone": "America/New_York", "time_zone": "UTC"}
    response = client.post(f"{API}/locations", json=body, headers=admin.headers)
    assert _fields(_problem(response, 422, "validation_error")) == {"time_zone"}


def test_an_unknown_field_in_a_location_patch_is_refused(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"adress": "typo"}, headers=admin.headers
    )
    assert _fields(_problem(response, 422, "validation_error")) == {"adress"}


@pytest.mark.parametrize("field", ["name", "timezone", "address", "active"])
def test_a_location_patch_cannot_null_a_required_field(
    client: TestClient, admin: SignedIn, field: str
) -> None:
    location = make_location(client, admin.headers)
    response = client.patch(
        f"{API}/locations/{location['id']}", json={field: None}, headers=admin.headers
    )
    assert field in _problem(response, 422, "validation_error")["detail"]
    assert _ok(client.get(f"{API}/locations/{location['id']}", headers=admin.headers)) == location


# ---------------------------------------------------------------- appointment types


def test_an_appointment_type_gets_the_domain_defaults(client: TestClient, admin: SignedIn) -> None:
    response = client.post(f"{API}/appointment-types", json=_type_body(), headers=admin.headers)
    created = _ok(response, 201)
    assert created["min_notice_minutes"] == 720
    assert created["horizon_days"] == 90
    assert created["slot_step_minutes"] == 15
    assert created["late_cancel_hours"] == 24
    assert created["room_kind"] is None
    assert created["room_minutes"] == 0
    assert created["online_bookable"] is False
    fetched = _ok(client.get(f"{API}/appointment-types/{created['id']}", headers=admin.headers))
    assert fetched == created


@pytest.mark.parametrize(
    ("public_name", "term"),
    [("Ketamine infusion", "ketamine"), ("Your IV session", "iv"), ("SPRAVATO visit", "spravato")],
)
def test_a_public_name_may_not_name_the_treatment(
    client: TestClient, admin: SignedIn, public_name: str, term: str
) -> None:
    body = _type_body(public_name=public_name, kind="iv_infusion")
    response = client.post(f"{API}/appointment-types", json=body, headers=admin.headers)
    problem = _problem(response, 422, "validation_error")
    assert _fields(problem) == {"public_name"}
    assert f"found: {term}" in problem["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clinician_minutes", 0),
        ("clinician_minutes", -30),
        ("room_minutes", -60),
        ("buffer_before_minutes", -5),
        ("buffer_after_minutes", -5),
        ("slot_step_minutes", 0),
        ("horizon_days", 0),
    ],
)
def test_durations_must_not_be_negative_or_zero_where_that_is_meaningless(
    client: TestClient, admin: SignedIn, field: str, value: int
) -> None:
    body = _type_body(**{field: value})
    response = client.post(f"{API}/appointment-types", json=body, headers=admin.headers)
    assert field in _fields(_problem(response, 422, "validation_error"))


@pytest.mark.parametrize(
    "room", [{"room_kind": "treatment_chair"}, {"room_minutes": 120}], ids=["kind", "minutes"]
)
def test_room_kind_and_room_minutes_go_together(
    client: TestClient, admin: SignedIn, room: Json
) -> None:
    body = _type_body(**room)
    response = client.post(f"{API}/appointment-types", json=body, headers=admin.headers)
    assert "room_kind" in _problem(response, 422, "validation_error")["detail"]
    assert _ok(client.get(f"{API}/appointment-types", headers=admin.headers)) == []


def test_patch_validates_the_merged_type(client: TestClient, admin: SignedIn) -> None:
    kind = make_appointment_type(client, admin.headers, room_kind="consult_room", room_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}", json={"room_kind": None}, headers=admin.headers
    )
    assert "room_kind" in _problem(response, 422, "invalid_appointment_type")["detail"]
    fetched = _ok(client.get(f"{API}/appointment-types/{kind['id']}", headers=admin.headers))
    assert fetched == kind


def test_patch_may_drop_the_room_with_its_minutes(client: TestClient, admin: SignedIn) -> None:
    kind = make_appointment_type(client, admin.headers, room_kind="consult_room", room_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"room_kind": None, "room_minutes": 0},
        headers=admin.headers,
    )
    assert _ok(response) == kind | {"room_kind": None, "room_minutes": 0}


@pytest.mark.parametrize(
    "patch",
    [
        {"public_name": "Ketamine infusion"},
        {"clinician_minutes": 0},
        {"buffer_after_minutes": -10},
        {"name": None},
    ],
)
def test_patch_refuses_what_create_refuses(
    client: TestClient, admin: SignedIn, patch: Json
) -> None:
    kind = make_appointment_type(client, admin.headers)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}", json=patch, headers=admin.headers
    )
    (field,) = patch
    assert field in _problem(response, 422, "invalid_appointment_type")["detail"]
    assert _actions(client, admin, kind["id"]) == ["appointment_type.create"]


def test_a_patch_that_changes_nothing_writes_no_audit_event(
    client: TestClient, admin: SignedIn
) -> None:
    kind = make_appointment_type(client, admin.headers, clinician_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"clinician_minutes": 60, "name": kind["name"]},
        headers=admin.headers,
    )
    assert _ok(response) == kind
    assert _actions(client, admin, kind["id"]) == ["appointment_type.create"]


def test_an_appointment_type_update_is_audited_with_the_changed_fields(
    client: TestClient, admin: SignedIn
) -> None:
    kind = make_appointment_type(client, admin.headers, clinician_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"clinician_minutes": 90, "online_bookable": True},
        headers=admin.headers,
    )
    assert _ok(response)["clinician_minutes"] == 90
    (update,) = [
        e for e in _audit(client, admin, kind["id"]) if e["action"] == "appointment_type.update"
    ]
    assert update["before"] == {"clinician_minutes": 60}
    assert update["after"] == {"clinician_minutes": 90}
    assert update["actor_label"] == admin.email


def test_appointment_type_names_are_unique(client: TestClient, admin: SignedIn) -> None:
    make_appointment_type(client, admin.headers, name="Consult")
    other = make_appointment_type(client, admin.headers, name="Follow-up")
    body = {"name": "consult", "public_name": "Visit", "kind": "consult", "clinician_minutes": 30}
    _problem(
        client.post(f"{API}/appointment-types", json=body, headers=admin.headers), 409, "name_taken"
    )
    response = client.patch(
        f"{API}/appointment-types/{other['id']}", json={"name": "CONSULT"}, headers=admin.headers
    )
    _problem(response, 409, "name_taken")


def test_an_unknown_appointment_type_is_404(client: TestClient, admin: SignedIn) -> None:
    response = client.patch(
        f"{API}/appointment-types/{UNKNOWN_ID}", json={"active": False}, headers=admin.headers
    )
    _problem(response, 404, "not_found")


# ---------------------------------------------------------------- clinicians


def test_a_clinician_is_created_with_the_types_they_offer(
    client: TestClient, admin: SignedIn
) -> None:
    consult = make_appointment_type(client, admin.headers)
    follow_up = make_appointment_type(client, admin.headers)
    clinician = make_clinician(
        client, admin.headers, name="Dr. Ada", appointment_type_ids=[consult["id"], follow_up["id"]]
    )
    assert clinician["name"] == "Dr. Ada"
    assert set(clinician["appointment_type_ids"]) == {consult["id"], follow_up["id"]}
    fetched = _ok(client.get(f"{API}/clinicians/{clinician['id']}", headers=admin.headers))
    assert fetched["name"] == "Dr. Ada"
    assert set(fetched["appointment_type_ids"]) == {consult["id"], follow_up["id"]}


def test_an_unknown_appointment_type_id_is_an_unknown_reference(
    client: TestClient, admin: SignedIn
) -> None:
    consult = make_appointment_type(client, admin.headers)
    body = {"name": "Dr. Ada", "appointment_type_ids": [consult["id"], UNKNOWN_ID]}
    response = client.post(f"{API}/clinicians", json=body, headers=admin.headers)
    assert UNKNOWN_ID in _problem(response, 422, "unknown_reference")["detail"]
    assert _ok(client.get(f"{API}/clinicians", headers=admin.headers)) == []


def test_patching_a_clinicians_types_replaces_them(client: TestClient, admin: SignedIn) -> None:
    consult = make_appointment_type(client, admin.headers)
    follow_up = make_appointment_type(client, admin.headers)
    clinician = make_clinician(client, admin.headers, appointment_type_ids=[consult["id"]])
    url = f"{API}/clinicians/{clinician['id']}"
    patched = _ok(
        client.patch(url, json={"appointment_type_ids": [follow_up["id"]]}, headers=admin.headers)
    )
    assert patched["appointment_type_ids"] == [follow_up["id"]]
    assert _ok(client.get(url, headers=admin.headers))["appointment_type_ids"] == [follow_up["id"]]
    cleared = _ok(client.patch(url, json={"appointment_type_ids": []}, headers=admin.headers))
    assert cleared["appointment_type_ids"] == []


def test_patching_in_an_unknown_type_changes_nothing(client: TestClient, admin: SignedIn) -> None:
    consult = make_appointment_type(client, admin.headers)
    clinician = make_clinician(client, admin.headers, appointment_type_ids=[consult["id"]])
    url = f"{API}/clinicians/{clinician['id']}"
    response = client.patch(
        url, json={"appointment_type_ids": [UNKNOWN_ID], "name": "Dr. New"}, headers=admin.headers
    )
    _problem(response, 422, "unknown_reference")
    assert _ok(client.get(url, headers=admin.headers)) == clinician


def test_a_clinician_type_change_is_audited(client: TestClient, admin: SignedIn) -> None:
    consult = make_appointment_type(client, admin.headers)
    follow_up = make_appointment_type(client, admin.headers)
    clinician = make_clinician(client, admin.headers, appointment_type_ids=[consult["id"]])
    client.patch(
        f"{API}/clinicians/{clinician['id']}",
        json={"appointment_type_ids": [follow_up["id"]]},
        headers=admin.headers,
    )
    (update,) = [
        e for e in _audit(client, admin, clinician["id"]) if e["action"] == "clinician.update"
    ]
    assert update["before"] == {"appointment_type_ids": [consult["id"]]}
    assert update["after"] == {"appointment_type_ids": [follow_up["id"]]}


@pytest.mark.parametrize("field", ["name", "credentials", "active"])
def test_a_clinician_patch_cannot_null_a_required_field(
    client: TestClient, admin: SignedIn, field: str
) -> None:
    clinician = make_clinician(client, admin.headers)
    url = f"{API}/clinicians/{clinician['id']}"
    response = client.patch(url, json={field: None}, headers=admin.headers)
    assert field in _problem(response, 422, "validation_error")["detail"]
    assert _ok(client.get(url, headers=admin.headers)) == clinician


def test_an_unknown_clinician_is_404(client: TestClient, admin: SignedIn) -> None:
    _problem(client.get(f"{API}/clinicians/{UNKNOWN_ID}", headers=admin.headers), 404, "not_found")
    response = client.patch(
        f"{API}/clinicians/{UNKNOWN_ID}", json={"name": "X"}, headers=admin.headers
    )
    _problem(response, 404, "not_found")


# ---------------------------------------------------------------- rooms


def test_a_room_is_created_for_a_location(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    there = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"], name="Chair 1", kind="treatment_chair")
    make_room(client, admin.headers, there["id"], name="Consult A", kind="consult_room")
    assert room["location_id"] == here["id"]
    assert room["kind"] == "treatment_chair"
    listed = _ok(
        client.get(f"{API}/rooms", params={"location_id": here["id"]}, headers=admin.headers)
    )
    assert listed == [room]


def test_a_room_at_an_unknown_location_is_an_unknown_reference(
    client: TestClient, admin: SignedIn
) -> None:
    body = {"location_id": UNKNOWN_ID, "name": "Chair 1", "kind": "treatment_chair"}
    response = client.post(f"{API}/rooms", json=body, headers=admin.headers)
    assert "location" in _problem(response, 422, "unknown_reference")["detail"]


def test_room_names_are_unique_within_a_location_only(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    there = make_location(client, admin.headers)
    make_room(client, admin.headers, here["id"], name="Chair 1")
    body = {"location_id": here["id"], "name": "chair 1", "kind": "treatment_chair"}
    _problem(client.post(f"{API}/rooms", json=body, headers=admin.headers), 409, "name_taken")
    elsewhere = make_room(client, admin.headers, there["id"], name="Chair 1")
    assert elsewhere["location_id"] == there["id"]


def test_renaming_a_room_to_a_taken_name_is_409(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    make_room(client, admin.headers, here["id"], name="Chair 1")
    second = make_room(client, admin.headers, here["id"], name="Chair 2")
    response = client.patch(
        f"{API}/rooms/{second['id']}", json={"name": "CHAIR 1"}, headers=admin.headers
    )
    _problem(response, 409, "name_taken")


def test_a_room_patch_is_applied_and_audited(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"], name="Chair 1")
    response = client.patch(
        f"{API}/rooms/{room['id']}", json={"active": False}, headers=admin.headers
    )
    assert _ok(response) == room | {"active": False}
    (update,) = [e for e in _audit(client, admin, room["id"]) if e["action"] == "room.update"]
    assert (update["before"], update["after"]) == ({"active": True}, {"active": False})


def test_a_room_name_too_long_to_store_is_refused(client: TestClient, admin: SignedIn) -> None:
    here = make_location(client, admin.headers)
    body = {"location_id": here["id"], "name": "C" * 150, "kind": "treatment_chair"}
    response = client.post(f"{API}/rooms", json=body, headers=admin.headers)
    assert _fields(_problem(response, 422, "validation_error")) == {"name"}


@pytest.mark.parametrize("field", ["name", "kind", "active"])
def test_a_room_patch_cannot_null_a_required_field(
    client: TestClient, admin: SignedIn, field: str
) -> None:
    here = make_location(client, admin.headers)
    room = make_room(client, admin.headers, here["id"])
    response = client.patch(f"{API}/rooms/{room['id']}", json={field: None}, headers=admin.headers)
    assert field in _problem(response, 422, "validation_error")["detail"]


def test_an_unknown_room_is_404(client: TestClient, admin: SignedIn) -> None:
    _problem(client.get(f"{API}/rooms/{UNKNOWN_ID}", headers=admin.headers), 404, "not_found")


# ---------------------------------------------------------------- working hours


@pytest.fixture
def location(client: TestClient, admin: SignedIn) -> Json:
    created: Json = make_location(client, admin.headers, name="Back Bay")
    return created


@pytest.fixture
def clinician(client: TestClient, admin: SignedIn) -> Json:
    created: Json = make_clinician(client, admin.headers, name="Dr. Ada")
    return created


def _rules(client: TestClient, who: SignedIn, clinician_id: str, kind: str) -> list[Json]:
    rules: list[Json] = _ok(
        client.get(f"{API}/clinicians/{clinician_id}/{kind}", headers=who.headers)
    )
    return rules


def test_working_hours_are_added_and_listed(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = _ok(_hours(client, admin, clinician["id"], location["id"], weekday=2), 201)
    assert rule["clinician_id"] == clinician["id"]
    assert rule["location_id"] == location["id"]
    assert (rule["weekday"], rule["start_time"], rule["end_time"]) == (2, "09:00:00", "17:00:00")
    assert rule["effective_from"] is None
    assert _rules(client, admin, clinician["id"], "working-hours") == [rule]


@pytest.mark.parametrize(("start", "end"), [("17:00", "09:00"), ("09:00", "09:00")])
def test_working_hours_must_end_after_they_start(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, start: str, end: str
) -> None:
    response = _hours(client, admin, clinician["id"], location["id"], start=start, end=end)
    assert "end_time" in _problem(response, 422, "validation_error")["detail"]


@pytest.mark.parametrize("weekday", [7, -1])
def test_a_weekday_is_monday_0_to_sunday_6(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, weekday: int
) -> None:
    response = _hours(client, admin, clinician["id"], location["id"], weekday=weekday)
    assert _fields(_problem(response, 422, "validation_error")) == {"weekday"}


def test_sunday_is_a_valid_weekday(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    assert (
        _ok(_hours(client, admin, clinician["id"], location["id"], weekday=6), 201)["weekday"] == 6
    )


def test_overlapping_hours_on_the_same_weekday_are_refused(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    first = _ok(
        _hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201
    )
    response = _hours(client, admin, clinician["id"], location["id"], start="11:00", end="14:00")
    problem = _problem(response, 422, "hours_overlap")
    assert problem["conflicting_id"] == first["id"]
    assert "09:00-12:00" in problem["detail"]
    assert _rules(client, admin, clinician["id"], "working-hours") == [first]


def test_hours_overlap_across_locations_too(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    _ok(_hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201)
    response = _hours(client, admin, clinician["id"], elsewhere["id"], start="10:00", end="11:00")
    _problem(response, 422, "hours_overlap")


def test_adjacent_hours_do_not_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    _ok(_hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201)
    _ok(_hours(client, admin, clinician["id"], elsewhere["id"], start="12:00", end="17:00"), 201)
    assert len(_rules(client, admin, clinician["id"], "working-hours")) == 2


def test_the_same_hours_on_another_weekday_or_clinician_are_fine(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    other = make_clinician(client, admin.headers)
    _ok(_hours(client, admin, clinician["id"], location["id"], weekday=0), 201)
    _ok(_hours(client, admin, clinician["id"], location["id"], weekday=1), 201)
    _ok(_hours(client, admin, other["id"], location["id"], weekday=0), 201)


def test_hours_in_separate_date_ranges_do_not_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    winter: Json = {"effective_from": "2026-12-01", "effective_until": "2027-02-28"}
    spring: Json = {"effective_from": "2027-03-01"}
    _ok(_hours(client, admin, clinician["id"], location["id"], **winter), 201)
    rule = _ok(_hours(client, admin, clinician["id"], location["id"], **spring), 201)
    assert (rule["effective_from"], rule["effective_until"]) == ("2027-03-01", None)


@pytest.mark.parametrize(
    "later",
    [{"effective_from": "2027-02-28"}, {}, {"effective_until": "2026-12-01"}],
    ids=["touching-last-day", "open-ended", "until-first-day"],
)
def test_hours_in_intersecting_date_ranges_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, later: Json
) -> None:
    winter: Json = {"effective_from": "2026-12-01", "effective_until": "2027-02-28"}
    _ok(_hours(client, admin, clinician["id"], location["id"], **winter), 201)
    _problem(_hours(client, admin, clinician["id"], location["id"], **later), 422, "hours_overlap")


def test_an_effective_range_must_not_end_before_it_starts(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    dates: Json = {"effective_from": "2027-01-01", "effective_until": "2026-12-31"}
    response = _hours(client, admin, clinician["id"], location["id"], **dates)
    assert "effective_until" in _problem(response, 422, "validation_error")["detail"]


def test_hours_at_an_unknown_location_are_an_unknown_reference(
    client: TestClient, admin: SignedIn, clinician: Json
) -> None:
    _problem(_hours(client, admin, clinician["id"], UNKNOWN_ID), 422, "unknown_reference")


def test_hours_for_an_unknown_clinician_are_404(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    _problem(_hours(client, admin, UNKNOWN_ID, location["id"]), 404, "not_found")


@pytest.mark.parametrize(
    ("start", "end"), [("09:00+02:00", "17:00+02:00"), ("09:00", "17:00Z")], ids=["both", "one"]
)
def test_wall_clock_hours_carry_no_utc_offset(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, start: str, end: str
) -> None:
    response = _hours(client, admin, clinician["id"], location["id"], start=start, end=end)
    assert _problem(response, 422, "validation_error")["errors"]
    assert _rules(client, admin, clinician["id"], "working-hours") == []


def test_deleting_working_hours_removes_them(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    keep = _ok(_hours(client, admin, clinician["id"], location["id"], weekday=0), 201)
    drop = _ok(_hours(client, admin, clinician["id"], location["id"], weekday=1), 201)
    url = f"{API}/clinicians/{clinician['id']}/working-hours/{drop['id']}"
    response = client.delete(url, headers=admin.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert _rules(client, admin, clinician["id"], "working-hours") == [keep]
    _problem(client.delete(url, headers=admin.headers), 404, "not_found")


def test_someone_elses_rule_cannot_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    other = make_clinician(client, admin.headers)
    rule = _ok(_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{other['id']}/working-hours/{rule['id']}", headers=admin.headers
    )
    _problem(response, 404, "not_found")
    assert _rules(client, admin, clinician["id"], "working-hours") == [rule]


def test_a_rule_id_of_another_kind_cannot_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = _ok(_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{clinician['id']}/time-off/{rule['id']}", headers=admin.headers
    )
    _problem(response, 404, "not_found")
    assert _rules(client, admin, clinician["id"], "working-hours") == [rule]


# ---------------------------------------------------------------- date overrides


def test_a_day_off_and_hours_on_the_same_date_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    day_off = _ok(_override(client, admin, clinician["id"], location["id"]), 201)
    assert (day_off["start_time"], day_off["end_time"]) == (None, None)
    response = _override(
        client, admin, clinician["id"], location["id"], start_time="13:00", end_time="15:00"
    )
    assert _problem(response, 422, "override_overlap")["conflicting_id"] == day_off["id"]


def test_hours_then_a_day_off_on_the_same_date_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    hours = _override(
        client, admin, clinician["id"], location["id"], start_time="13:00", end_time="15:00"
    )
    _ok(hours, 201)
    response = _override(client, admin, clinician["id"], location["id"])
    _problem(response, 422, "override_overlap")
    assert len(_rules(client, admin, clinician["id"], "date-overrides")) == 1


def test_separate_override_hours_on_one_date_are_fine_but_overlapping_ones_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    cid, lid = clinician["id"], location["id"]
    _ok(_override(client, admin, cid, lid, start_time="09:00", end_time="12:00"), 201)
    _ok(_override(client, admin, cid, lid, start_time="12:00", end_time="15:00"), 201)
    response = _override(client, admin, cid, lid, start_time="14:00", end_time="16:00")
    _problem(response, 422, "override_overlap")


def test_a_day_off_on_another_date_is_fine(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    _ok(_override(client, admin, clinician["id"], location["id"]), 201)
    other_day = _override(client, admin, clinician["id"], location["id"], on_date="2026-12-08")
    assert _ok(other_day, 201)["on_date"] == "2026-12-08"


@pytest.mark.parametrize("times", [{"start_time": "09:00"}, {"end_time": "17:00"}])
def test_an_override_needs_both_times_or_neither(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, times: Json
) -> None:
    response = _override(client, admin, clinician["id"], location["id"], **times)
    assert "both" in _problem(response, 422, "validation_error")["detail"]


def test_an_override_must_end_after_it_starts(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    response = _override(
        client, admin, clinician["id"], location["id"], start_time="15:00", end_time="13:00"
    )
    _problem(response, 422, "validation_error")


def test_a_date_override_can_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    day_off = _ok(_override(client, admin, clinician["id"], location["id"]), 201)
    url = f"{API}/clinicians/{clinician['id']}/date-overrides/{day_off['id']}"
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert _rules(client, admin, clinician["id"], "date-overrides") == []
    assert _actions(client, admin, day_off["id"]) == [
        "date_override.create",
        "date_override.delete",
    ]


# ---------------------------------------------------------------- time off and closures

MONDAY_9_EST = "2026-11-30T09:00:00-05:00"
MONDAY_17_EST = "2026-11-30T17:00:00-05:00"


def _time_off(client: TestClient, who: SignedIn, clinician_id: str, body: Json) -> httpx.Response:
    return client.post(f"{API}/clinicians/{clinician_id}/time-off", json=body, headers=who.headers)


def _closure(client: TestClient, who: SignedIn, location_id: str, body: Json) -> httpx.Response:
    return client.post(f"{API}/locations/{location_id}/closures", json=body, headers=who.headers)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "naive"),
    [
        ("2026-11-30T09:00:00", MONDAY_17_EST, "starts_at"),
        (MONDAY_9_EST, "2026-11-30T17:00:00", "ends_at"),
    ],
)
def test_time_off_needs_an_offset_on_both_ends(
    client: TestClient, admin: SignedIn, clinician: Json, starts_at: str, ends_at: str, naive: str
) -> None:
    response = _time_off(client, admin, clinician["id"], _period(starts_at, ends_at))
    assert _fields(_problem(response, 422, "validation_error")) == {naive}
    assert _rules(client, admin, clinician["id"], "time-off") == []


def test_a_closure_needs_an_offset(client: TestClient, admin: SignedIn, location: Json) -> None:
    body = _period("2026-12-24T00:00:00", "2026-12-26T00:00:00")
    response = _closure(client, admin, location["id"], body)
    assert _fields(_problem(response, 422, "validation_error")) == {"starts_at", "ends_at"}


@pytest.mark.parametrize(
    "ends_at", ["2026-11-30T08:00:00-05:00", MONDAY_9_EST, "2026-11-30T14:00Z"]
)
def test_time_off_and_closures_must_end_after_they_start(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, ends_at: str
) -> None:
    body = _period(MONDAY_9_EST, ends_at)
    for response in (
        _time_off(client, admin, clinician["id"], body),
        _closure(client, admin, location["id"], body),
    ):
        assert "ends_at" in _problem(response, 422, "validation_error")["detail"]


def test_time_off_given_with_an_offset_is_the_same_instant(
    client: TestClient, admin: SignedIn, clinician: Json
) -> None:
    body = _period(MONDAY_9_EST, MONDAY_17_EST, "dentist")
    created = _ok(_time_off(client, admin, clinician["id"], body), 201)
    (listed,) = _rules(client, admin, clinician["id"], "time-off")
    for shown in (created, listed):
        assert _instant(shown["starts_at"]) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
        assert _instant(shown["ends_at"]) == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        assert shown["reason"] == "dentist"
        assert shown["clinician_id"] == clinician["id"]


def test_a_closure_given_with_an_offset_is_the_same_instant(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    body = _period("2026-12-24T12:00:00-05:00", "2026-12-26T00:00:00-05:00", "holiday")
    created = _ok(_closure(client, admin, location["id"], body), 201)
    listed = _ok(client.get(f"{API}/locations/{location['id']}/closures", headers=admin.headers))
    assert [c["id"] for c in listed] == [created["id"]]
    for shown in (created, listed[0]):
        assert _instant(shown["starts_at"]) == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
        assert _instant(shown["ends_at"]) == datetime(2026, 12, 26, 5, 0, tzinfo=UTC)
        assert shown["location_id"] == location["id"]


def test_time_off_can_be_deleted(client: TestClient, admin: SignedIn, clinician: Json) -> None:
    created = _ok(
        _time_off(client, admin, clinician["id"], _period(MONDAY_9_EST, MONDAY_17_EST)), 201
    )
    url = f"{API}/clinicians/{clinician['id']}/time-off/{created['id']}"
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert _rules(client, admin, clinician["id"], "time-off") == []
    assert _actions(client, admin, created["id"]) == ["time_off.create", "time_off.delete"]


def test_a_closure_can_be_deleted_only_through_its_location(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    created = _ok(
        _closure(client, admin, location["id"], _period(MONDAY_9_EST, MONDAY_17_EST)), 201
    )
    wrong = f"{API}/locations/{elsewhere['id']}/closures/{created['id']}"
    _problem(client.delete(wrong, headers=admin.headers), 404, "not_found")
    right = f"{API}/locations/{location['id']}/closures/{created['id']}"
    assert client.delete(right, headers=admin.headers).status_code == 204
    closures = client.get(f"{API}/locations/{location['id']}/closures", headers=admin.headers)
    assert _ok(closures) == []
    assert _actions(client, admin, created["id"]) == ["closure.create", "closure.delete"]


def test_a_closure_at_an_unknown_location_is_404(client: TestClient, admin: SignedIn) -> None:
    response = _closure(client, admin, UNKNOWN_ID, _period(MONDAY_9_EST, MONDAY_17_EST))
    _problem(response, 404, "not_found")


# ---------------------------------------------------------------- roles


def test_front_desk_may_add_time_off_and_working_hours(
    client: TestClient, front_desk: SignedIn, clinician: Json, location: Json
) -> None:
    _ok(_hours(client, front_desk, clinician["id"], location["id"]), 201)
    _ok(_time_off(client, front_desk, clinician["id"], _period(MONDAY_9_EST, MONDAY_17_EST)), 201)
    _ok(_closure(client, front_desk, location["id"], _period(MONDAY_9_EST, MONDAY_17_EST)), 201)
    _ok(_override(client, front_desk, clinician["id"], location["id"]), 201)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/locations", {"name": "Somewhere", "timezone": "America/New_York"}),
        ("/clinicians", {"name": "Dr. Ada"}),
        ("/rooms", {"location_id": UNKNOWN_ID, "name": "Chair", "kind": "treatment_chair"}),
        (
            "/appointment-types",
            {"name": "C", "public_name": "C", "kind": "consult", "clinician_minutes": 30},
        ),
    ],
)
def test_front_desk_may_not_create_setup_records(
    client: TestClient, front_desk: SignedIn, admin: SignedIn, path: str, body: Json
) -> None:
    response = client.post(f"{API}{path}", json=body, headers=front_desk.headers)
    _problem(response, 403, "forbidden")
    assert _ok(client.get(f"{API}{path}", headers=admin.headers)) == []


def test_front_desk_may_not_patch_a_location(
    client: TestClient, front_desk: SignedIn, location: Json
) -> None:
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"name": "Mine"}, headers=front_desk.headers
    )
    _problem(response, 403, "forbidden")


def test_a_clinician_may_not_change_hours_or_time_off(
    client: TestClient, clinician_login: SignedIn, admin: SignedIn, clinician: Json, location: Json
) -> None:
    _problem(_hours(client, clinician_login, clinician["id"], location["id"]), 403, "forbidden")
    period = _period(MONDAY_9_EST, MONDAY_17_EST)
    _problem(_time_off(client, clinician_login, clinician["id"], period), 403, "forbidden")
    rule = _ok(_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{clinician['id']}/working-hours/{rule['id']}",
        headers=clinician_login.headers,
    )
    _problem(response, 403, "forbidden")
    assert _rules(client, admin, clinician["id"], "working-hours") == [rule]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_read_the_setup(
    client: TestClient,
    make_staff: MakeStaff,
    admin: SignedIn,
    clinician: Json,
    location: Json,
    role: Role,
) -> None:
    rule = _ok(_hours(client, admin, clinician["id"], location["id"]), 201)
    reader = make_staff(role)
    for path in (
        "/locations",
        f"/locations/{location['id']}",
        f"/locations/{location['id']}/closures",
        "/clinicians",
        f"/clinicians/{clinician['id']}",
        f"/clinicians/{clinician['id']}/date-overrides",
        f"/clinicians/{clinician['id']}/time-off",
        "/rooms",
        "/appointment-types",
    ):
        assert client.get(f"{API}{path}", headers=reader.headers).status_code == 200, path
    assert _rules(client, reader, clinician["id"], "working-hours") == [rule]


def test_reading_the_setup_needs_a_sign_in(client: TestClient) -> None:
    _problem(client.get(f"{API}/locations"), 401, "unauthenticated")


# ---------------------------------------------------------------- audit


def test_creating_a_location_is_audited_with_the_actor(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, name="Back Bay")
    (event,) = _audit(client, admin, location["id"])
    assert event["action"] == "location.create"
    assert event["actor_label"] == admin.email
    assert event["actor_id"] == str(admin.user_id)
    assert event["entity_type"] == "locations"
    assert event["before"] is None
    assert event["after"]["name"] == "Back Bay"
    assert event["after"]["phone"] == "+16175550100"


def test_updating_a_location_audits_only_the_changed_fields(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers, name="Back Bay", address="1 Main Street")
    client.patch(
        f"{API}/locations/{location['id']}",
        json={"name": "Back Bay", "address": "2 Side Street"},
        headers=admin.headers,
    )
    (update,) = [
        e for e in _audit(client, admin, location["id"]) if e["action"] == "location.update"
    ]
    assert update["before"] == {"address": "1 Main Street"}
    assert update["after"] == {"address": "2 Side Street"}
    assert update["actor_label"] == admin.email


def test_a_location_patch_that_changes_nothing_is_not_audited(
    client: TestClient, admin: SignedIn
) -> None:
    location = make_location(client, admin.headers, name="Back Bay")
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"name": "Back Bay"}, headers=admin.headers
    )
    assert _ok(response) == location
    assert _actions(client, admin, location["id"]) == ["location.create"]


def test_a_refused_write_leaves_no_audit_event(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, name="Back Bay")
    other = make_location(client, admin.headers, name="Cambridge")
    client.patch(f"{API}/locations/{other['id']}", json={"name": "Back Bay"}, headers=admin.headers)
    assert _actions(client, admin, other["id"]) == ["location.create"]
    assert _actions(client, admin, location["id"]) == ["location.create"]


Build = Callable[[TestClient, SignedIn], str]


def _build_location(client: TestClient, who: SignedIn) -> str:
    return str(make_location(client, who.headers)["id"])


def _build_type(client: TestClient, who: SignedIn) -> str:
    return str(make_appointment_type(client, who.headers)["id"])


def _build_clinician(client: TestClient, who: SignedIn) -> str:
    return str(make_clinician(client, who.headers)["id"])


def _build_room(client: TestClient, who: SignedIn) -> str:
    return str(make_room(client, who.headers, _build_location(client, who))["id"])


def _build_hours(client: TestClient, who: SignedIn) -> str:
    response = _hours(client, who, _build_clinician(client, who), _build_location(client, who))
    return str(_ok(response, 201)["id"])


def _build_override(client: TestClient, who: SignedIn) -> str:
    response = _override(client, who, _build_clinician(client, who), _build_location(client, who))
    return str(_ok(response, 201)["id"])


def _build_time_off(client: TestClient, who: SignedIn) -> str:
    period = _period(MONDAY_9_EST, MONDAY_17_EST)
    return str(_ok(_time_off(client, who, _build_clinician(client, who), period), 201)["id"])


def _build_closure(client: TestClient, who: SignedIn) -> str:
    period = _period(MONDAY_9_EST, MONDAY_17_EST)
    return str(_ok(_closure(client, who, _build_location(client, who), period), 201)["id"])


@pytest.mark.parametrize(
    ("build", "action"),
    [
        (_build_location, "location.create"),
        (_build_type, "appointment_type.create"),
        (_build_clinician, "clinician.create"),
        (_build_room, "room.create"),
        (_build_hours, "working_hours.create"),
        (_build_override, "date_override.create"),
        (_build_time_off, "time_off.create"),
        (_build_closure, "closure.create"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_create_is_audited_with_its_snapshot(
    client: TestClient, admin: SignedIn, build: Build, action: str
) -> None:
    entity_id = build(client, admin)
    (event,) = _audit(client, admin, entity_id)
    assert event["action"] == action
    assert event["actor_label"] == admin.email
    assert event["after"]["id"] == entity_id


def test_front_desk_writes_are_audited_as_front_desk(
    client: TestClient, front_desk: SignedIn, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = _ok(_hours(client, front_desk, clinician["id"], location["id"]), 201)
    client.delete(
        f"{API}/clinicians/{clinician['id']}/working-hours/{rule['id']}", headers=front_desk.headers
    )
    events = _audit(client, admin, rule["id"])
    assert sorted(e["action"] for e in events) == ["working_hours.create", "working_hours.delete"]
    assert {e["actor_label"] for e in events} == {front_desk.email}
    (deleted,) = [e for e in events if e["action"] == "working_hours.delete"]
    assert deleted["before"]["start_time"] == "09:00:00"
