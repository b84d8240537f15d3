"""The OpenAPI document and /docs: offline assets, problem answers, operation ids, 405s."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking.api.problems import PROBLEM_JSON
from tests.conftest import SignedIn


def test_docs_name_no_other_host_and_every_asset_is_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.text)  # no CDN, no badge
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(assets) >= 3  # script, stylesheet, icon
    for asset in [*assets, "/docs/oauth2-redirect"]:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content, asset


def test_every_error_answer_is_a_documented_problem(app: FastAPI) -> None:
    document = app.openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) < 400 or path == "/health":
                    continue
                assert set(answer["content"]) == {PROBLEM_JSON}, (method, path, status)
                assert answer["x-problem-codes"], (method, path, status)
                assert all(
                    f"`{code}`" in answer["description"] for code in answer["x-problem-codes"]
                )


def _responses(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    answers: dict[str, Any] = app.openapi()["paths"][path][method]["responses"]
    return answers


def test_problem_answers_follow_from_what_a_route_depends_on(app: FastAPI) -> None:
    staff_read = _responses(app, "get", "/api/v1/clinicians/{clinician_id}")
    assert set(staff_read) == {"200", "401", "403", "404", "422"}
    book = _responses(app, "post", "/api/v1/appointments")
    assert {"400", "401", "409", "422", "429", "503"} <= set(book)
    assert "slot_taken" in book["409"]["x-problem-codes"]
    assert "Retry-After" in book["429"]["headers"]
    assert "busy" in book["503"]["x-problem-codes"]
    assert "429" in _responses(app, "post", "/api/v1/holds")
    assert set(_responses(app, "get", "/api/v1/staff")) == {"200", "401", "403"}


def test_a_token_is_optional_on_public_booking_routes(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert paths["/api/v1/holds"]["post"]["security"][0] == {}
    assert {} not in paths["/api/v1/patients"]["get"]["security"]


def test_operation_ids_are_function_names_and_unique(app: FastAPI) -> None:
    ids = [op["operationId"] for ops in app.openapi()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    expected = {"book", "create_hold", "add_working_hours", "cancel", "cancel_my_appointment"}
    assert expected <= set(ids)


def test_a_405_lists_every_method_the_path_answers(client: TestClient) -> None:
    response = client.put("/api/v1/appointments")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


def _schema(app: FastAPI, name: str) -> dict[str, Any]:
    found: dict[str, Any] = app.openapi()["components"]["schemas"][name]
    return found


def test_closed_sets_are_documented_with_their_values(app: FastAPI) -> None:
    assert _schema(app, "ActorKind")["enum"] == ["staff", "patient", "system"]
    actor = _schema(app, "AuditEventOut")["properties"]["actor_kind"]
    assert actor == {"$ref": "#/components/schemas/ActorKind"}


def test_patch_documents_null_only_where_it_clears(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    patch = _schema(app, "LocationPatch")["properties"]
    assert "anyOf" not in patch["name"]  # null is refused, so not documented
    assert {"type": "null"} in patch["phone"]["anyOf"]
    created = client.post(
        "/api/v1/locations",
        json={"name": "North", "timezone": "America/New_York", "phone": "617-555-0100"},
        headers=admin.headers,
    ).json()
    url = f"/api/v1/locations/{created['id']}"
    cleared = client.patch(url, json={"phone": None}, headers=admin.headers)
    assert cleared.status_code == 200
    assert cleared.json()["phone"] is None
    refused = client.patch(url, json={"name": None}, headers=admin.headers)
    assert refused.status_code == 422


def test_working_hours_times_match_their_documented_pattern(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    start = _schema(app, "WorkingHoursIn")["properties"]["start_time"]
    assert "format" not in start  # JSON Schema's `time` demands an offset, which we refuse
    pattern = re.compile(start["pattern"])
    assert pattern.search("08:00")
    assert pattern.search("08:00:30")
    assert not pattern.search("08:00Z")
    assert not pattern.search("8:00")
    location = client.post(
        "/api/v1/locations",
        json={"name": "East", "timezone": "America/Chicago"},
        headers=admin.headers,
    ).json()
    clinician = client.post(
        "/api/v1/clinicians", json={"name": "Dr. B"}, headers=admin.headers
    ).json()
    url = f"/api/v1/clinicians/{clinician['id']}/working-hours"
    body = {"location_id": location["id"], "weekday": 0, "start_time": "08:00", "end_time": "17:00"}
    added = client.post(url, json=body, headers=admin.headers)
    assert added.status_code == 201
    assert pattern.search(added.json()["start_time"])  # the answer matches it too
    for bad in ("08:00Z", 28800, "08:00:00.5"):
        refused = client.post(url, json=body | {"start_time": bad}, headers=admin.headers)
        assert refused.status_code == 422, bad


def test_dates_and_instants_carry_their_range(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    waitlist = _schema(app, "WaitlistIn")["properties"]
    day = re.compile(waitlist["earliest"]["pattern"])
    assert day.search("1900-01-01")
    assert day.search("2199-12-31")
    assert not day.search("1899-12-31")
    assert not day.search("2200-01-01")
    period = _schema(app, "PeriodIn")["properties"]["starts_at"]
    assert re.search(period["pattern"], "2026-11-30T09:00:00-05:00")
    assert not re.search(period["pattern"], "2200-01-01T00:00:00Z")
    clinician = client.post(
        "/api/v1/clinicians", json={"name": "Dr. C"}, headers=admin.headers
    ).json()
    url = f"/api/v1/clinicians/{clinician['id']}/time-off"
    unix = client.post(
        url, json={"starts_at": 1800000000, "ends_at": 1800003600}, headers=admin.headers
    )
    assert unix.status_code == 422  # a number is not an ISO 8601 instant, whatever pydantic thinks
