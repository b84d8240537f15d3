"""Clinic setup through the HTTP API: which roles may read and change the setup, and
the audit event every setup write leaves behind."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from booking.models import Role
from tests.booking.api.setup_helpers import (
    API,
    MONDAY_9_EST,
    MONDAY_17_EST,
    UNKNOWN_ID,
    Json,
    audit_actions,
    audit_events,
    expect_ok,
    expect_problem,
    listed_rules,
    period_body,
    post_closure,
    post_hours,
    post_override,
    post_time_off,
)
from tests.conftest import MakeStaff, SignedIn
from tests.factories import make_appointment_type, make_clinician, make_location, make_room

# ---------------------------------------------------------------- roles


def test_front_desk_may_add_time_off_and_working_hours(
    client: TestClient, front_desk: SignedIn, clinician: Json, location: Json
) -> None:
    expect_ok(post_hours(client, front_desk, clinician["id"], location["id"]), 201)
    expect_ok(
        post_time_off(
            client, front_desk, clinician["id"], period_body(MONDAY_9_EST, MONDAY_17_EST)
        ),
        201,
    )
    expect_ok(
        post_closure(client, front_desk, location["id"], period_body(MONDAY_9_EST, MONDAY_17_EST)),
        201,
    )
    expect_ok(post_override(client, front_desk, clinician["id"], location["id"]), 201)


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
    expect_problem(response, 403, "forbidden")
    assert expect_ok(client.get(f"{API}{path}", headers=admin.headers)) == []


def test_front_desk_may_not_patch_a_location(
    client: TestClient, front_desk: SignedIn, location: Json
) -> None:
    response = client.patch(
        f"{API}/locations/{location['id']}", json={"name": "Mine"}, headers=front_desk.headers
    )
    expect_problem(response, 403, "forbidden")


def test_a_clinician_may_not_change_hours_or_time_off(
    client: TestClient, clinician_login: SignedIn, admin: SignedIn, clinician: Json, location: Json
) -> None:
    expect_problem(
        post_hours(client, clinician_login, clinician["id"], location["id"]), 403, "forbidden"
    )
    period = period_body(MONDAY_9_EST, MONDAY_17_EST)
    expect_problem(
        post_time_off(client, clinician_login, clinician["id"], period), 403, "forbidden"
    )
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{clinician['id']}/working-hours/{rule['id']}",
        headers=clinician_login.headers,
    )
    expect_problem(response, 403, "forbidden")
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [rule]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_read_the_setup(
    client: TestClient,
    make_staff: MakeStaff,
    admin: SignedIn,
    clinician: Json,
    location: Json,
    role: Role,
) -> None:
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"]), 201)
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
    assert listed_rules(client, reader, clinician["id"], "working-hours") == [rule]


def test_reading_the_setup_needs_a_sign_in(client: TestClient) -> None:
    expect_problem(client.get(f"{API}/locations"), 401, "unauthenticated")


# ---------------------------------------------------------------- audit


def test_creating_a_location_is_audited_with_the_actor(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, name="Back Bay")
    (event,) = audit_events(client, admin, location["id"])
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
        e for e in audit_events(client, admin, location["id"]) if e["action"] == "location.update"
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
    assert expect_ok(response) == location
    assert audit_actions(client, admin, location["id"]) == ["location.create"]


def test_a_refused_write_leaves_no_audit_event(client: TestClient, admin: SignedIn) -> None:
    location = make_location(client, admin.headers, name="Back Bay")
    other = make_location(client, admin.headers, name="Cambridge")
    client.patch(f"{API}/locations/{other['id']}", json={"name": "Back Bay"}, headers=admin.headers)
    assert audit_actions(client, admin, other["id"]) == ["location.create"]
    assert audit_actions(client, admin, location["id"]) == ["location.create"]


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
    response = post_hours(client, who, _build_clinician(client, who), _build_location(client, who))
    return str(expect_ok(response, 201)["id"])


def _build_override(client: TestClient, who: SignedIn) -> str:
    response = post_override(
        client, who, _build_clinician(client, who), _build_location(client, who)
    )
    return str(expect_ok(response, 201)["id"])


def _build_time_off(client: TestClient, who: SignedIn) -> str:
    period = period_body(MONDAY_9_EST, MONDAY_17_EST)
    return str(
        expect_ok(post_time_off(client, who, _build_clinician(client, who), period), 201)["id"]
    )


def _build_closure(client: TestClient, who: SignedIn) -> str:
    period = period_body(MONDAY_9_EST, MONDAY_17_EST)
    return str(
        expect_ok(post_closure(client, who, _build_location(client, who), period), 201)["id"]
    )


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
    (event,) = audit_events(client, admin, entity_id)
    assert event["action"] == action
    assert event["actor_label"] == admin.email
    assert event["after"]["id"] == entity_id


def test_front_desk_writes_are_audited_as_front_desk(
    client: TestClient, front_desk: SignedIn, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = expect_ok(post_hours(client, front_desk, clinician["id"], location["id"]), 201)
    client.delete(
        f"{API}/clinicians/{clinician['id']}/working-hours/{rule['id']}", headers=front_desk.headers
    )
    events = audit_events(client, admin, rule["id"])
    assert sorted(e["action"] for e in events) == ["working_hours.create", "working_hours.delete"]
    assert {e["actor_label"] for e in events} == {front_desk.email}
    (deleted,) = [e for e in events if e["action"] == "working_hours.delete"]
    assert deleted["before"]["start_time"] == "09:00:00"
