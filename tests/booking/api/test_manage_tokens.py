"""A manage link that is malformed is answered exactly like one that is unknown: the same
404 problem after the same work (the token is hashed and looked up either way), so neither
the answer nor its timing says what a real token looks like."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from core.db import Database
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details

MANAGE = "/api/v1/manage/"
UNKNOWN = "x" * 43  # shaped like a real token, but nobody's
HOSTILE = [
    "..%5C..%5Cetc%5Cpasswd",  # backslashes
    "..%2F..%2Fetc%2Fpasswd",  # percent-encoded slashes
    "a%2Fcancel",  # a slash that makes the path look like a sub-route
    "short",
    "x" * 2000,
    "%E2%98%83" * 30,  # unicode
    "%FF%FE%00",  # not UTF-8, and a NUL
    "%20" * 30,
    "",
]


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the server runs, in order (a proxy for the time an answer takes)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(database.engine, "before_cursor_execute", count)
    yield seen
    event.remove(database.engine, "before_cursor_execute", count)


def _calls(token: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", MANAGE + token, None),
        ("POST", MANAGE + token + "/cancel", {}),
        ("POST", MANAGE + token + "/reschedule", {"starts_at": "2026-12-02T10:00:00-05:00"}),
    ]


def _answer(client: TestClient, seen: list[str], call: tuple[str, str, Any]) -> Any:
    method, path, body = call
    del seen[:]
    response = client.request(method, path, json=body)
    return response.status_code, response.headers["content-type"], response.json(), len(seen)


def test_every_malformed_token_gets_the_unknown_tokens_404_after_the_same_work(
    client: TestClient, clinic: Clinic, statements: list[str]
) -> None:
    assert book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                         "patient": patient_details(1)}).status_code == 201  # fmt: skip
    for index, reference in enumerate(_calls(UNKNOWN)):
        expected = _answer(client, statements, reference)
        status, media, body, work = expected
        assert (status, media, body["code"]) == (404, "application/problem+json", "not_found")
        assert work > 0  # the unknown token was looked up
        for token in HOSTILE:
            assert _answer(client, statements, _calls(token)[index]) == expected, token


def test_a_real_token_with_anything_appended_is_unknown(client: TestClient, clinic: Clinic) -> None:
    booked = book(client, {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
                           "patient": patient_details(2)}).json()  # fmt: skip
    token = booked["manage_token"]
    assert client.get(MANAGE + token).status_code == 200
    for suffix in ("%2F", "%5C", "%2F..", "%00"):
        response = client.get(MANAGE + token + suffix)
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "not_found"
