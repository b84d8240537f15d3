"""On SQLite a writer that cannot get in within its wait hears 503 ``busy`` with
``Retry-After`` (nothing was saved, send it again), never a 500; readers never queue."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from booking.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from tests.booking.api.conftest import MONDAY_9, Clinic

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _hold(client: TestClient, clinic: Clinic) -> object:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9}
    return client.post("/api/v1/holds", json=body)


def _assert_busy(response: object) -> None:
    assert getattr(response, "status_code", None) == 503
    assert response.headers["Retry-After"] == "1"  # type: ignore[attr-defined]
    assert response.json()["code"] == "busy"  # type: ignore[attr-defined]


@pytest.fixture
def impatient(database: Database, settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    """The app on the same file, waiting 50 ms for another process's write to end."""
    url = database.engine.url.render_as_string(hide_password=False)
    db = Database.from_url(url, busy_timeout_ms=50, write_wait_ms=50)
    with TestClient(create_app(settings, database=db, clock=clock)) as client:
        yield client
    db.dispose()


def test_a_write_held_by_another_process_past_the_busy_timeout_is_busy(
    database: Database, clinic: Clinic, impatient: TestClient
) -> None:
    other = sqlite3.connect(database.engine.url.database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        _assert_busy(_hold(impatient, clinic))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _hold(impatient, clinic).status_code == 201  # type: ignore[attr-defined]


def test_a_writer_whose_turn_does_not_come_is_busy_while_readers_go_on(
    database: Database, client: TestClient, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert database.write_lock is not None
    monkeypatch.setattr(database, "write_wait_s", 0.05)
    assert database.write_lock.acquire(timeout=1)  # another writer of this process
    try:
        _assert_busy(_hold(client, clinic))
        availability = client.get("/api/v1/availability", params={
            "appointment_type_id": clinic.consult["id"],
            "start": "2026-11-30", "end": "2026-11-30",
        })  # fmt: skip
        assert availability.status_code == 200
        assert availability.json()["slots"]
    finally:
        database.write_lock.release()
    assert _hold(client, clinic).status_code == 201  # type: ignore[attr-defined]
