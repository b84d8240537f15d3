"""Every error is problem JSON with a stable code; nothing answers with a bare 500."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.errors import DeadlockDetected
from sqlalchemy.exc import OperationalError

from tests.conftest import SignedIn


def test_unknown_routes_are_404_problems(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found"
    assert set(body) >= {"type", "title", "status", "detail", "code"}


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_malformed_json_is_a_422_problem(client: TestClient, admin: SignedIn) -> None:
    response = client.post(
        "/api/v1/locations",
        content=b"{not json",
        headers=admin.headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_malformed_ids_are_422_with_the_field_named(client: TestClient, admin: SignedIn) -> None:
    response = client.get("/api/v1/locations/not-a-uuid", headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.location_id"


def test_health_reports_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/auth/login" in paths
    assert "/api/v1/patients/{patient_id}/gates" in paths
    assert "bearer" in str(client.get("/openapi.json").json()["components"]).lower()


def test_an_unexpected_error_is_a_500_problem_logged_without_its_text(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    row = ", ".join(["Sam Rivera", "+16175550123"])  # as a database error would quote it

    def fail(token: str) -> None:
        raise RuntimeError(f"Failing row contains ({row})")

    app.add_api_route("/api/v1/manage/{token}/fail", fail, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # before GET /manage/{token:path}
    with caplog.at_level(logging.ERROR, logger="clinic.api"):
        response = client.get("/api/v1/manage/secret-token-value/fail")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "Rivera" not in response.text
    logged = caplog.text
    assert "unhandled RuntimeError on GET /api/v1/manage/[redacted]/fail" in logged
    assert "in fail" in logged  # where it happened is kept for whoever debugs it
    assert "Rivera" not in logged
    assert "secret-token-value" not in logged


def test_a_transaction_aborted_by_a_race_is_a_409_to_retry(
    app: FastAPI, client: TestClient
) -> None:
    def collide() -> None:
        raise OperationalError("UPDATE ...", {}, DeadlockDetected("deadlock detected"))

    app.add_api_route("/api/v1/collide", collide, methods=["POST"])
    response = client.post("/api/v1/collide")
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_change"
