"""Clinic setup through the HTTP API: a clinician's time off and a location's closures,
given as instants with a UTC offset; creating, listing and deleting them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.setup_helpers import (
    API,
    MONDAY_9_EST,
    MONDAY_17_EST,
    UNKNOWN_ID,
    Json,
    audit_actions,
    expect_ok,
    expect_problem,
    field_names,
    listed_rules,
    period_body,
    post_closure,
    post_time_off,
)
from tests.conftest import SignedIn
from tests.factories import make_location


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


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
    response = post_time_off(client, admin, clinician["id"], period_body(starts_at, ends_at))
    assert field_names(expect_problem(response, 422, "validation_error")) == {naive}
    assert listed_rules(client, admin, clinician["id"], "time-off") == []


def test_a_closure_needs_an_offset(client: TestClient, admin: SignedIn, location: Json) -> None:
    body = period_body("2026-12-24T00:00:00", "2026-12-26T00:00:00")
    response = post_closure(client, admin, location["id"], body)
    assert field_names(expect_problem(response, 422, "validation_error")) == {
        "starts_at",
        "ends_at",
    }


@pytest.mark.parametrize(
    "ends_at", ["2026-11-30T08:00:00-05:00", MONDAY_9_EST, "2026-11-30T14:00Z"]
)
def test_time_off_and_closures_must_end_after_they_start(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, ends_at: str
) -> None:
    body = period_body(MONDAY_9_EST, ends_at)
    for response in (
        post_time_off(client, admin, clinician["id"], body),
        post_closure(client, admin, location["id"], body),
    ):
        assert "ends_at" in expect_problem(response, 422, "validation_error")["detail"]


def test_time_off_given_with_an_offset_is_the_same_instant(
    client: TestClient, admin: SignedIn, clinician: Json
) -> None:
    body = period_body(MONDAY_9_EST, MONDAY_17_EST, "dentist")
    created = expect_ok(post_time_off(client, admin, clinician["id"], body), 201)
    (listed,) = listed_rules(client, admin, clinician["id"], "time-off")
    for shown in (created, listed):
        assert _instant(shown["starts_at"]) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
        assert _instant(shown["ends_at"]) == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        assert shown["reason"] == "dentist"
        assert shown["clinician_id"] == clinician["id"]


def test_a_closure_given_with_an_offset_is_the_same_instant(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    body = period_body("2026-12-24T12:00:00-05:00", "2026-12-26T00:00:00-05:00", "holiday")
    created = expect_ok(post_closure(client, admin, location["id"], body), 201)
    listed = expect_ok(
        client.get(f"{API}/locations/{location['id']}/closures", headers=admin.headers)
    )
    assert [c["id"] for c in listed] == [created["id"]]
    for shown in (created, listed[0]):
        assert _instant(shown["starts_at"]) == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
        assert _instant(shown["ends_at"]) == datetime(2026, 12, 26, 5, 0, tzinfo=UTC)
        assert shown["location_id"] == location["id"]


def test_time_off_can_be_deleted(client: TestClient, admin: SignedIn, clinician: Json) -> None:
    created = expect_ok(
        post_time_off(client, admin, clinician["id"], period_body(MONDAY_9_EST, MONDAY_17_EST)), 201
    )
    url = f"{API}/clinicians/{clinician['id']}/time-off/{created['id']}"
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert listed_rules(client, admin, clinician["id"], "time-off") == []
    assert audit_actions(client, admin, created["id"]) == ["time_off.create", "time_off.delete"]


def test_a_closure_can_be_deleted_only_through_its_location(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    created = expect_ok(
        post_closure(client, admin, location["id"], period_body(MONDAY_9_EST, MONDAY_17_EST)), 201
    )
    wrong = f"{API}/locations/{elsewhere['id']}/closures/{created['id']}"
    expect_problem(client.delete(wrong, headers=admin.headers), 404, "not_found")
    right = f"{API}/locations/{location['id']}/closures/{created['id']}"
    assert client.delete(right, headers=admin.headers).status_code == 204
    closures = client.get(f"{API}/locations/{location['id']}/closures", headers=admin.headers)
    assert expect_ok(closures) == []
    assert audit_actions(client, admin, created["id"]) == ["closure.create", "closure.delete"]


def test_a_closure_at_an_unknown_location_is_404(client: TestClient, admin: SignedIn) -> None:
    response = post_closure(client, admin, UNKNOWN_ID, period_body(MONDAY_9_EST, MONDAY_17_EST))
    expect_problem(response, 404, "not_found")
