"""Two changes of one appointment at once take turns: the second reads what the first left.

On PostgreSQL each request reads the row before the other commits; without a row lock a
cancel racing a reschedule left a cancelled appointment holding its new slot for good, and
two undos of one check-in were both applied and both audited."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.models import Appointment, Occupancy
from booking.schemas.appointments import RescheduleIn
from booking.services import changes, manage_view
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.errors import Conflict
from tests.booking.api.conftest import MONDAY_9, Clinic, book
from tests.conftest import SignedIn
from tests.factories import make_patient

Change = Callable[[Context, uuid.UUID], object]  # how a request finds the appointment


def _booked(client: TestClient, clinic: Clinic, desk: SignedIn) -> uuid.UUID:
    return uuid.UUID(_booking(client, clinic, desk)["appointment"]["id"])


def _booking(client: TestClient, clinic: Clinic, desk: SignedIn) -> Any:
    patient = make_patient(client, desk.headers)
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient_id": patient["id"], "clinician_id": clinic.clinicians[0]["id"]}  # fmt: skip
    response = book(client, body, desk.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _race(
    database: Database, clock: FrozenClock, appointment_id: uuid.UUID, first: Change,
    second: Change,
) -> str:  # fmt: skip
    """Apply ``first`` and, before it commits, start ``second``; return how ``second`` ended."""
    outcome: list[str] = []

    def run_second() -> None:
        try:
            with database.session() as session:
                ctx = Context(session=session, actor=Actor.system(), now=clock.now())
                second(ctx, appointment_id)
            outcome.append("done")
        except Conflict as refused:
            outcome.append(refused.code)

    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        first(ctx, appointment_id)
        racer = threading.Thread(target=run_second)
        racer.start()
        racer.join(timeout=1)  # it waits for the first change (or, unguarded, reads stale)
    racer.join(timeout=30)
    (result,) = outcome
    return result


def _cancel(ctx: Context, appointment_id: uuid.UUID) -> object:
    appointment = changes.load(ctx, appointment_id)
    return changes.cancel(ctx, appointment=appointment, reason="")


LATER = RescheduleIn(starts_at=datetime.fromisoformat("2026-11-30T15:00:00-05:00"))


def _move(ctx: Context, appointment_id: uuid.UUID) -> object:
    return changes.move(ctx, appointment=changes.load(ctx, appointment_id), data=LATER)


def test_a_reschedule_racing_a_cancel_does_not_keep_a_slot(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    appointment_id = _booked(client, clinic, front_desk)
    assert _race(database, clock, appointment_id, _cancel, _move) == "invalid_transition"
    with database.session() as session:
        held = session.scalars(select(Occupancy).where(Occupancy.appointment_id == appointment_id))
        assert list(held) == []
        assert session.get_one(Appointment, appointment_id).status == "cancelled"


def test_two_undos_of_one_check_in_apply_once(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    appointment_id = _booked(client, clinic, front_desk)
    clock.set(datetime.fromisoformat("2026-11-30T08:50:00-05:00"))
    checked_in = client.post(
        f"/api/v1/appointments/{appointment_id}/check-in", headers=front_desk.headers
    )
    assert checked_in.status_code == 200, checked_in.text

    def undo(ctx: Context, appointment_id: uuid.UUID) -> object:
        appointment = changes.load(ctx, appointment_id)
        return changes.undo(ctx, appointment=appointment, reason="wrong patient")

    assert _race(database, clock, appointment_id, undo, undo) == "invalid_transition"
    with database.session() as session:
        assert session.get_one(Appointment, appointment_id).sequence == 2


def test_a_patient_moving_by_link_while_the_desk_cancels_does_not_keep_a_slot(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    front_desk: SignedIn,
) -> None:  # fmt: skip
    booked = _booking(client, clinic, front_desk)
    token = booked["manage_token"]

    def by_link(ctx: Context, _appointment_id: uuid.UUID) -> object:
        return manage_view.reschedule(ctx, token=token, data=LATER, clinic_name="Clinic")

    assert _race(database, clock, uuid.UUID(booked["appointment"]["id"]), _cancel, by_link) == (
        "invalid_transition"
    )
