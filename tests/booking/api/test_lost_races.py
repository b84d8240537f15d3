"""A race PostgreSQL resolves by aborting one side is still a 409 ``slot_taken``, never a 500.

Exclusion constraints check after inserting: two overlapping inserts can each wait for the
other, and the deadlock detector aborts one of them. The test builds that cycle on purpose.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from booking.models import Occupancy, ResourceKind
from booking.schemas.appointments import BookingIn
from booking.schemas.setup import PeriodIn
from booking.services import appointments, hours
from booking.services.context import Actor, Context
from booking.services.occupancy import claim
from core.clock import FrozenClock
from core.db import Database
from core.errors import Conflict
from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.conftest import BACKENDS, SignedIn
from tests.factories import make_patient

MONDAY_10 = "2026-11-30T10:00:00-05:00"


def _row(hold_id: uuid.UUID, resource: uuid.UUID, at: datetime) -> Occupancy:
    return Occupancy(
        resource_kind=ResourceKind.ROOM, resource_id=resource, starts_at=at,
        ends_at=at + timedelta(hours=1), session_start=at, share_key=str(hold_id),
        hold_id=hold_id, expires_at=at,
    )  # fmt: skip


def _two_holds(client: TestClient, clinic: Clinic) -> list[uuid.UUID]:
    """Two owners for occupancy rows (a row needs a real hold or appointment behind it)."""
    holds = [
        client.post("/api/v1/holds", json={
            "appointment_type_id": clinic.consult["id"], "starts_at": starts_at,
        })
        for starts_at in (MONDAY_9, MONDAY_10)
    ]  # fmt: skip
    return [uuid.UUID(hold.json()["id"]) for hold in holds]


# SQLite's BEGIN IMMEDIATE serializes writers: they queue, they cannot deadlock.
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_deadlocked_claim_is_a_lost_race(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    owners = _two_holds(client, clinic)
    first, second = uuid.uuid4(), uuid.uuid4()
    at = clock.now() + timedelta(days=1)
    contexts = [
        Context(session=Session(database.engine), actor=Actor.system(), now=clock.now())
        for _ in owners
    ]
    # Each side takes one resource, then reaches for the other's.
    claim(contexts[0], [_row(owners[0], first, at)])
    claim(contexts[1], [_row(owners[1], second, at)])
    outcomes: list[str] = ["", ""]
    barrier = threading.Barrier(2)

    def reach(side: int, resource: uuid.UUID) -> None:
        barrier.wait()
        try:
            claim(contexts[side], [_row(owners[side], resource, at)])
            contexts[side].session.commit()
            outcomes[side] = "won"
        except Conflict as lost:
            contexts[side].session.rollback()
            outcomes[side] = lost.code
        finally:
            contexts[side].session.close()

    threads = [
        threading.Thread(target=reach, args=(0, second)),
        threading.Thread(target=reach, args=(1, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["slot_taken", "won"]


def test_no_write_path_can_overlap_what_is_stored(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock
) -> None:
    """The database-level guard on both backends: rows claimed without any placement check
    (as a buggy caller would) still cannot overlap another owner's."""
    owners = _two_holds(client, clinic)
    chair, at = uuid.uuid4(), clock.now() + timedelta(days=1)
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        claim(ctx, [_row(owners[0], chair, at)])
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        with pytest.raises(Conflict) as lost:
            claim(ctx, [_row(owners[1], chair, at + timedelta(minutes=59))])
        session.rollback()
    assert lost.value.code == "slot_taken"
    with database.session() as session:  # back to back is fine
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        claim(ctx, [_row(owners[1], chair, at + timedelta(hours=1))])


def test_time_off_racing_a_booking_sees_it(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    """Time off read while a booking in its span is not yet committed must still name it:
    the two take turns (on PostgreSQL a booking's reads would otherwise miss the time off,
    and the time off's check miss the booking, and both would be saved)."""
    clinician = uuid.UUID(clinic.clinicians[0]["id"])
    patient = make_patient(client, front_desk.headers)
    booking = BookingIn.model_validate({
        "appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
        "clinician_id": str(clinician), "patient_id": patient["id"],
    })  # fmt: skip
    away = PeriodIn(
        starts_at=datetime.fromisoformat("2026-11-30T08:00:00-05:00"),
        ends_at=datetime.fromisoformat("2026-11-30T17:00:00-05:00"),
    )
    outcome: list[str] = []

    def add_time_off() -> None:
        try:
            with database.session() as session:
                ctx = Context(session=session, actor=Actor.system(), now=clock.now())
                hours.add_time_off(ctx, clinician_id=clinician, data=away)
            outcome.append("saved")
        except Conflict as refused:
            outcome.append(refused.code)

    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        appointments.book(ctx, data=booking)
        racer = threading.Thread(target=add_time_off)
        racer.start()
        racer.join(timeout=1)  # it waits for the booking (or, unguarded, finishes blind)
    racer.join(timeout=30)
    assert outcome == ["affects_appointments"]
