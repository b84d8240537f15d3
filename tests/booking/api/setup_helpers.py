"""Helpers shared by the clinic setup API tests: problem-JSON and audit assertions, and
short-hands for posting working hours, date overrides, time off and closures."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from tests.conftest import SignedIn

API = "/api/v1"
UNKNOWN_ID = str(uuid.UUID(int=42))
Json = dict[str, Any]


def expect_problem(response: httpx.Response, status: int, code: str) -> Json:
    """Assert ``response`` is problem JSON with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Json = response.json()
    assert body["status"] == status
    assert body["code"] == code
    return body


def expect_ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def field_names(body: Json) -> set[str]:
    """The fields a validation problem names."""
    return {error["field"] for error in body["errors"]}


def audit_events(client: TestClient, who: SignedIn, entity_id: str) -> list[Json]:
    events: list[Json] = expect_ok(
        client.get(f"{API}/audit", params={"entity_id": entity_id}, headers=who.headers)
    )
    return events


def audit_actions(client: TestClient, who: SignedIn, entity_id: str) -> list[str]:
    return sorted(event["action"] for event in audit_events(client, who, entity_id))


def post_hours(
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


def post_override(
    client: TestClient, who: SignedIn, clinician_id: str, location_id: str, **times: Any
) -> httpx.Response:
    body = {"location_id": location_id, "on_date": "2026-12-07"} | times
    return client.post(
        f"{API}/clinicians/{clinician_id}/date-overrides", json=body, headers=who.headers
    )


def period_body(starts_at: str, ends_at: str, reason: str = "") -> Json:
    return {"starts_at": starts_at, "ends_at": ends_at, "reason": reason}


def listed_rules(client: TestClient, who: SignedIn, clinician_id: str, kind: str) -> list[Json]:
    rules: list[Json] = expect_ok(
        client.get(f"{API}/clinicians/{clinician_id}/{kind}", headers=who.headers)
    )
    return rules


MONDAY_9_EST = "2026-11-30T09:00:00-05:00"
MONDAY_17_EST = "2026-11-30T17:00:00-05:00"


def post_time_off(
    client: TestClient, who: SignedIn, clinician_id: str, body: Json
) -> httpx.Response:
    return client.post(f"{API}/clinicians/{clinician_id}/time-off", json=body, headers=who.headers)


def post_closure(client: TestClient, who: SignedIn, location_id: str, body: Json) -> httpx.Response:
    return client.post(f"{API}/locations/{location_id}/closures", json=body, headers=who.headers)
