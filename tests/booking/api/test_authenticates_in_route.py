"""Booking and availability check a staff token in the route's own worker thread (booking:
``in_session``; availability: ``authenticates_in_route``): one hop to a worker thread per
request instead of two, and a token that is not valid is still a 401 with nothing booked."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.api.deps import TokenCaller
from booking.models import Appointment
from booking.services.context import Actor
from core.clock import FrozenClock
from core.db import Database
from tests.booking.api.conftest import Clinic, book, consult_at
from tests.booking.api.setup_helpers import expect_ok, expect_problem
from tests.conftest import SignedIn
from tests.factories import make_patient


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call handed to a worker thread while the test runs, by name."""
    handed: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        # FastAPI hands a route over wrapped in a partial that names it.
        named = getattr(func, "keywords", {}).get("function", func)
        named = getattr(named, "func", named)  # starlette's run_in_threadpool: a partial
        handed.append(getattr(named, "__name__", repr(named)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return handed


def _booked(database: Database) -> int:
    with database.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_a_staff_booking_takes_one_worker_thread(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, hops: list[str]
) -> None:
    patient = make_patient(client, front_desk.headers)
    hops.clear()
    body = consult_at(clinic, patient, "2026-11-30T09:00:00-05:00")
    booked = expect_ok(book(client, body, front_desk.headers), 201)
    assert booked["appointment"]["patient_id"] == patient["id"]  # the staff view: signed in
    # The session, the token's check, the booking and the commit: all in one (in_session).
    assert hops == ["_in_session"]


def test_staff_availability_takes_one_worker_thread(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, hops: list[str]
) -> None:
    params = {"appointment_type_id": clinic.infusion["id"], "start": "2026-11-30",
              "end": "2026-11-30"}  # fmt: skip
    hops.clear()
    response = client.get("/api/v1/availability", params=params, headers=front_desk.headers)
    expect_ok(response, 200)  # a staff-only type: the token was checked and held
    assert hops == ["availability"]


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, ""])
def test_a_booking_with_a_bad_token_is_401_and_books_nothing(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database, token: str
) -> None:
    patient = make_patient(client, front_desk.headers)
    before = _booked(database)
    body = consult_at(clinic, patient, "2026-11-30T10:00:00-05:00")
    response = book(client, body, {"Authorization": f"Bearer {token}"})
    if token:
        expect_problem(response, 401, "unauthenticated")
    else:  # no credentials at all: an anonymous patient may not book by patient id
        expect_problem(response, 403, "forbidden")
    assert _booked(database) == before


def test_a_signed_out_token_is_refused_by_booking_and_availability(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    assert client.post("/api/v1/auth/logout", headers=front_desk.headers).status_code == 204
    before = _booked(database)
    body = consult_at(clinic, patient, "2026-11-30T11:00:00-05:00")
    expect_problem(book(client, body, front_desk.headers), 401, "unauthenticated")
    params = {"appointment_type_id": clinic.consult["id"], "start": "2026-11-30",
              "end": "2026-11-30"}  # fmt: skip
    response = client.get("/api/v1/availability", params=params, headers=front_desk.headers)
    expect_problem(response, 401, "unauthenticated")
    assert _booked(database) == before


def test_an_unchecked_token_acts_as_nobody(database: Database, clock: FrozenClock) -> None:
    """Until checked, a token grants nothing: a route without the decorator would see an
    anonymous patient, never a staff member."""
    with database.session(write=False) as session:
        pending = TokenCaller(
            session=session, actor=Actor.online(), now=clock.now(), staff=None, token="t"
        )
        assert pending.staff is None
        assert not pending.actor.acts_for_clinic
