"""A booking waiting for the schedule lock sees what the change it waited for recorded.

On PostgreSQL the setup version rides with the staff sign-in lookup, before the booking
takes its turn; a time off committed in between would otherwise be read from the process's
older copy of the setup, and the booking land in it unnamed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from booking.schemas.appointments import BookingIn
from booking.services import appointments, reference
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.errors import DomainError
from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.setup_helpers import period_body, post_time_off
from tests.conftest import SignedIn
from tests.factories import make_patient


def test_a_booking_reads_time_off_committed_before_its_turn(
    database: Database, client: TestClient, clinic: Clinic, clock: FrozenClock,
    admin: SignedIn, front_desk: SignedIn,
) -> None:  # fmt: skip
    if database.is_sqlite:
        pytest.skip("SQLite: a booking's BEGIN IMMEDIATE comes before it reads the version")
    clinician = clinic.clinicians[0]["id"]
    patient = make_patient(client, front_desk.headers)
    data = BookingIn.model_validate({
        "appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
        "patient_id": patient["id"], "clinician_id": clinician,
    })  # fmt: skip
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system(), now=clock.now())
        reference.current(ctx)  # the version read early, as the sign-in lookup does
        away = period_body("2026-11-30T08:00:00-05:00", "2026-11-30T12:00:00-05:00")
        assert post_time_off(client, admin, clinician, away).status_code == 201
        with pytest.raises(DomainError) as refused:
            appointments.book(ctx, data=data)
    assert refused.value.code == "time_off"
