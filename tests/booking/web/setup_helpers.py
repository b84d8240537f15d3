"""Bookings made the way the desk makes them (the booking service, acting for the clinic),
for the clinician and admin page tests."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from booking.models import AppointmentType, Clinician, Patient
from booking.schemas.appointments import BookingIn
from booking.services import appointments
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database


def clinician_id(database: Database, name: str) -> uuid.UUID:
    with database.session() as session:
        found = session.scalar(select(Clinician.id).where(Clinician.name == name))
    assert found is not None
    return found


def book_consultation(
    database: Database, clock: FrozenClock, *, clinician: str, patient: str, at: datetime
) -> uuid.UUID:
    """A consultation with ``clinician`` (by name) for a demo patient (by given name)."""
    given = patient
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("desk"), now=clock.now())
        kind = session.scalar(
            select(AppointmentType).where(AppointmentType.public_name == "Consultation")
        )
        person = session.scalar(select(Patient).where(Patient.given_name == given))
        doctor = session.scalar(select(Clinician).where(Clinician.name == clinician))
        assert kind is not None
        assert person is not None
        assert doctor is not None
        data = BookingIn(
            appointment_type_id=kind.id, starts_at=at, clinician_id=doctor.id,
            patient_id=person.id,
        )  # fmt: skip
        return appointments.book(ctx, data=data).appointment.id
