"""Clinic setup through the HTTP API: appointment types (durations, rooms, public names
that do not name the treatment) and clinicians with the types they offer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.setup_helpers import (
    API,
    UNKNOWN_ID,
    Json,
    audit_actions,
    audit_events,
    expect_ok,
    expect_problem,
    field_names,
)
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_clinician


def _type_body(**fields: Any) -> Json:
    """A valid appointment type without a room, with ``fields`` on top."""
    body: Json = {"name": "Consult", "public_name": "Consultation", "kind": "consult"}
    return body | {"clinician_minutes": 60} | fields


# ---------------------------------------------------------------- appointment types


def test_an_appointment_type_gets_the_domain_defaults(client: TestClient, admin: SignedIn) -> None:
    response = client.post(f"{API}/appointment-types", json=_type_body(), headers=admin.headers)
    created = expect_ok(response, 201)
    assert created["min_notice_minutes"] == 720
    assert created["horizon_days"] == 90
    assert created["slot_step_minutes"] == 15
    assert created["late_cancel_hours"] == 24
    assert created["room_kind"] is None
    assert created["room_minutes"] == 0
    assert created["online_bookable"] is False
    fetched = expect_ok(
        client.get(f"{API}/appointment-types/{created['id']}", headers=admin.headers)
    )
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
    problem = expect_problem(response, 422, "validation_error")
    assert field_names(problem) == {"public_name"}
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
    assert field in field_names(expect_problem(response, 422, "validation_error"))


@pytest.mark.parametrize(
    "room", [{"room_kind": "treatment_chair"}, {"room_minutes": 120}], ids=["kind", "minutes"]
)
def test_room_kind_and_room_minutes_go_together(
    client: TestClient, admin: SignedIn, room: Json
) -> None:
    body = _type_body(**room)
    response = client.post(f"{API}/appointment-types", json=body, headers=admin.headers)
    assert "room_kind" in expect_problem(response, 422, "validation_error")["detail"]
    assert expect_ok(client.get(f"{API}/appointment-types", headers=admin.headers)) == []


def test_patch_validates_the_merged_type(client: TestClient, admin: SignedIn) -> None:
    kind = make_appointment_type(client, admin.headers, room_kind="consult_room", room_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}", json={"room_kind": None}, headers=admin.headers
    )
    assert "room_kind" in expect_problem(response, 422, "invalid_appointment_type")["detail"]
    fetched = expect_ok(client.get(f"{API}/appointment-types/{kind['id']}", headers=admin.headers))
    assert fetched == kind


def test_patch_may_drop_the_room_with_its_minutes(client: TestClient, admin: SignedIn) -> None:
    kind = make_appointment_type(client, admin.headers, room_kind="consult_room", room_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"room_kind": None, "room_minutes": 0},
        headers=admin.headers,
    )
    assert expect_ok(response) == kind | {"room_kind": None, "room_minutes": 0}


@pytest.mark.parametrize(
    "patch",
    [
        {"public_name": "Ketamine infusion"},
        {"clinician_minutes": 0},
        {"buffer_after_minutes": -10},
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
    assert field in expect_problem(response, 422, "invalid_appointment_type")["detail"]
    assert audit_actions(client, admin, kind["id"]) == ["appointment_type.create"]


def test_patch_refuses_null_where_the_document_does(client: TestClient, admin: SignedIn) -> None:
    kind = make_appointment_type(client, admin.headers)
    url = f"{API}/appointment-types/{kind['id']}"
    response = client.patch(url, json={"name": None}, headers=admin.headers)
    assert expect_problem(response, 422, "validation_error")["errors"][0]["field"] == "name"


def test_a_patch_that_changes_nothing_writes_no_audit_event(
    client: TestClient, admin: SignedIn
) -> None:
    kind = make_appointment_type(client, admin.headers, clinician_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"clinician_minutes": 60, "name": kind["name"]},
        headers=admin.headers,
    )
    assert expect_ok(response) == kind
    assert audit_actions(client, admin, kind["id"]) == ["appointment_type.create"]


def test_an_appointment_type_update_is_audited_with_the_changed_fields(
    client: TestClient, admin: SignedIn
) -> None:
    kind = make_appointment_type(client, admin.headers, clinician_minutes=60)
    response = client.patch(
        f"{API}/appointment-types/{kind['id']}",
        json={"clinician_minutes": 90, "online_bookable": True},
        headers=admin.headers,
    )
    assert expect_ok(response)["clinician_minutes"] == 90
    (update,) = [
        e
        for e in audit_events(client, admin, kind["id"])
        if e["action"] == "appointment_type.update"
    ]
    assert update["before"] == {"clinician_minutes": 60}
    assert update["after"] == {"clinician_minutes": 90}
    assert update["actor_label"] == admin.email


def test_appointment_type_names_are_unique(client: TestClient, admin: SignedIn) -> None:
    make_appointment_type(client, admin.headers, name="Consult")
    other = make_appointment_type(client, admin.headers, name="Follow-up")
    body = {"name": "consult", "public_name": "Visit", "kind": "consult", "clinician_minutes": 30}
    expect_problem(
        client.post(f"{API}/appointment-types", json=body, headers=admin.headers), 409, "name_taken"
    )
    response = client.patch(
        f"{API}/appointment-types/{other['id']}", json={"name": "CONSULT"}, headers=admin.headers
    )
    expect_problem(response, 409, "name_taken")


def test_an_unknown_appointment_type_is_404(client: TestClient, admin: SignedIn) -> None:
    response = client.patch(
        f"{API}/appointment-types/{UNKNOWN_ID}", json={"active": False}, headers=admin.headers
    )
    expect_problem(response, 404, "not_found")


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
    fetched = expect_ok(client.get(f"{API}/clinicians/{clinician['id']}", headers=admin.headers))
    assert fetched["name"] == "Dr. Ada"
    assert set(fetched["appointment_type_ids"]) == {consult["id"], follow_up["id"]}


def test_an_unknown_appointment_type_id_is_an_unknown_reference(
    client: TestClient, admin: SignedIn
) -> None:
    consult = make_appointment_type(client, admin.headers)
    body = {"name": "Dr. Ada", "appointment_type_ids": [consult["id"], UNKNOWN_ID]}
    response = client.post(f"{API}/clinicians", json=body, headers=admin.headers)
    assert UNKNOWN_ID in expect_problem(response, 422, "unknown_reference")["detail"]
    assert expect_ok(client.get(f"{API}/clinicians", headers=admin.headers)) == []


def test_patching_a_clinicians_types_replaces_them(client: TestClient, admin: SignedIn) -> None:
    consult = make_appointment_type(client, admin.headers)
    follow_up = make_appointment_type(client, admin.headers)
    clinician = make_clinician(client, admin.headers, appointment_type_ids=[consult["id"]])
    url = f"{API}/clinicians/{clinician['id']}"
    patched = expect_ok(
        client.patch(url, json={"appointment_type_ids": [follow_up["id"]]}, headers=admin.headers)
    )
    assert patched["appointment_type_ids"] == [follow_up["id"]]
    assert expect_ok(client.get(url, headers=admin.headers))["appointment_type_ids"] == [
        follow_up["id"]
    ]
    cleared = expect_ok(client.patch(url, json={"appointment_type_ids": []}, headers=admin.headers))
    assert cleared["appointment_type_ids"] == []


def test_patching_in_an_unknown_type_changes_nothing(client: TestClient, admin: SignedIn) -> None:
    consult = make_appointment_type(client, admin.headers)
    clinician = make_clinician(client, admin.headers, appointment_type_ids=[consult["id"]])
    url = f"{API}/clinicians/{clinician['id']}"
    response = client.patch(
        url, json={"appointment_type_ids": [UNKNOWN_ID], "name": "Dr. New"}, headers=admin.headers
    )
    expect_problem(response, 422, "unknown_reference")
    assert expect_ok(client.get(url, headers=admin.headers)) == clinician


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
        e for e in audit_events(client, admin, clinician["id"]) if e["action"] == "clinician.update"
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
    assert field in expect_problem(response, 422, "validation_error")["detail"]
    assert expect_ok(client.get(url, headers=admin.headers)) == clinician


def test_an_unknown_clinician_is_404(client: TestClient, admin: SignedIn) -> None:
    expect_problem(
        client.get(f"{API}/clinicians/{UNKNOWN_ID}", headers=admin.headers), 404, "not_found"
    )
    response = client.patch(
        f"{API}/clinicians/{UNKNOWN_ID}", json={"name": "X"}, headers=admin.headers
    )
    expect_problem(response, 404, "not_found")
