"""A copy of a booking request whose first attempt has not finished waits a bounded time,
then hears 409 ``request_in_progress`` with Retry-After; once the first gives up, the copy
books. (The 20-way race through a real server is tests/booking/test_idempotent_booking.py.)"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from booking.models import IdempotentRequest
from booking.services import idempotency
from core.db import Database
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import BACKENDS


# On SQLite the first attempt holds the write lock, so a copy waits in that line instead.
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_copy_of_an_unfinished_request_is_told_it_is_in_progress(
    database: Database, client: TestClient, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "IN_PROGRESS_WAIT_MS", 100)
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(1)}  # fmt: skip
    headers = {"Idempotency-Key": "slow-first"}
    first = Session(database.engine)  # the first attempt, still booking
    first.add(IdempotentRequest(
        scope="public", key="slow-first", fingerprint="x", status_code=201, body={},
        created_at=datetime.fromisoformat(MONDAY_9),
    ))  # fmt: skip
    first.flush()
    try:
        copy = book(client, body, headers)
        assert copy.status_code == 409, copy.text
        assert copy.json()["code"] == "request_in_progress"
        assert copy.headers["Retry-After"] == "1"
    finally:
        first.rollback()  # the first attempt failed: nothing of it stays
        first.close()
    again = book(client, body, headers)
    assert again.status_code == 201, again.text
    assert (
        book(client, body, headers).json()["appointment"]["id"] == again.json()["appointment"]["id"]
    )
