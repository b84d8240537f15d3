"""A booking waiting for the schedule lock sees what the change it waited for recorded.

On PostgreSQL the setup version rides with the staff sign-in lookup; a booking that takes
its turn later, or whose lookup takes it (a staff booking over HTTP) and waits there, must
read the version once the turn is held: a time off committed meanwhile would otherwise be
read from the process's older copy of the setup, and the booking land in it unnamed.
(PostgreSQL only.)"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from booking.schemas.appointments import BookingIn
from booking.schemas.setup import PeriodIn
from booking.services import appointments, hours, reference
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.errors import DomainError
from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.setup_helpers import period_body, post_time_off
from tests.conftest import SignedIn, postgresql_only
from tests.factories import make_patient

pytestmark = postgresql_only  # SQLite's BEGIN IMMEDIATE serializes a change and a booking


def _body(clinic: Clinic, patient_id: str) -> dict[str, str]:
    return {
        "appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
        "patient_id": patient_id, "clinician_id": clinic.clinicians[0]["id"],
    }  # fmt: skip


def _booking(clinic: Clinic, patient_id: str) -> BookingIn:
    return BookingIn.model_validate(_body(clinic, patient_id))


def test_a_booking_reads_time_off_committed_before_its_turn(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    admin: SignedIn, front_desk: SignedIn,
) -> None:  # fmt: skip
    clinician = clinic.clinicians[0]["id"]
    data = _booking(clinic, make_patient(client, front_desk.headers)["id"])
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        reference.current(ctx)  # the version read early, as the sign-in lookup does
        away = period_body("2026-11-30T08:00:00-05:00", "2026-11-30T12:00:00-05:00")
        assert post_time_off(client, admin, clinician, away).status_code == 201
        with pytest.raises(DomainError) as refused:
            appointments.book(ctx, data=data)
    assert refused.value.code == "time_off"


def _waiting_for_the_lock(database: Database) -> bool:
    with database.engine.connect() as connection:
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return bool(connection.execute(text(waiting)).scalar())


@contextmanager
def _waiting_for_time_off(
    database: Database, clinic: Clinic, clock: FrozenClock, book: Callable[[], None]
) -> Iterator[None]:
    """The first clinician's time off over the booked morning, recorded and left uncommitted
    (it holds the schedule lock) while ``book`` runs in a thread until that waits for the
    lock; then the block runs, and once the time off is committed the booking finishes."""
    away = PeriodIn.model_validate({
        "starts_at": "2026-11-30T08:00:00-05:00", "ends_at": "2026-11-30T12:00:00-05:00",
    })  # fmt: skip
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        hours.add_time_off(ctx, clinician_id=uuid.UUID(clinic.clinicians[0]["id"]), data=away)
        booking = threading.Thread(target=book)
        booking.start()
        deadline = time.monotonic() + 10
        while not _waiting_for_the_lock(database) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_for_the_lock(database)
        assert booking.is_alive()
        yield
    booking.join(timeout=10)


def test_a_booking_that_waited_for_a_change_sees_it(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    """The version a booking uses is read once its turn came, not when it asked for it."""
    data = _booking(clinic, make_patient(client, front_desk.headers)["id"])
    refused: list[str] = []

    def book() -> None:
        with database.session() as session:
            ctx = Context(session=session, actor=Actor.system(), now=clock.now())
            reference.current(ctx)  # the version before the change, as the sign-in reads it
            try:
                appointments.book(ctx, data=data)
            except DomainError as error:
                refused.append(error.code)

    with _waiting_for_time_off(database, clinic, clock, book):
        pass
    assert refused == ["time_off"]


def test_a_staff_booking_whose_sign_in_waited_for_a_change_sees_it(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    """Over HTTP a staff booking takes its turn in its sign-in lookup: the lookup waits for
    the change, and the booking reads the setup as the change left it."""
    body = _body(clinic, make_patient(client, front_desk.headers)["id"])
    answers: list[tuple[int, str]] = []

    def book() -> None:
        response = client.post("/api/v1/appointments", json=body, headers=front_desk.headers)
        answers.append((response.status_code, response.json().get("code", "")))

    with _waiting_for_time_off(database, clinic, clock, book):
        assert "staff_sessions" in _waiting_query(database)
    assert answers == [(422, "time_off")]


def _waiting_query(database: Database) -> str:
    with database.engine.connect() as connection:
        waiting = (
            "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        return str(connection.execute(text(waiting)).scalar())
