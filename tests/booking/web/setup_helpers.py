"""Bookings made the way the desk makes them (the booking service, acting for the clinic),
for the clinician and admin page tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from booking.models import AppointmentKind, AppointmentType, Clinician, Patient
from booking.schemas.appointments import BookingIn, EscortIn
from booking.services import appointments, changes
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


def esketamine_session_done(ctx: Context, clinician: uuid.UUID) -> uuid.UUID:
    """Alex's esketamine session with ``clinician`` today at 11:00 in Boston, checked in and
    discharged at 2:00 PM: its REMS monitoring form is then a task."""
    kind = ctx.session.scalar(
        select(AppointmentType).where(AppointmentType.kind == AppointmentKind.ESKETAMINE)
    )
    patient = ctx.session.scalar(select(Patient).where(Patient.given_name == "Alex"))
    assert kind is not None
    assert patient is not None
    # The gates a clinician records on the patient (the setting-up is not under test here).
    patient.consult_completed_at = patient.consent_signed_at = patient.rems_enrolled_at = ctx.now
    data = BookingIn(
        appointment_type_id=kind.id, starts_at=datetime(2026, 11, 26, 16, tzinfo=UTC),
        clinician_id=clinician, patient_id=patient.id,
        escort=EscortIn(name="Sam Morgan", phone="+16175550199"),
    )  # fmt: skip
    appointment = appointments.book(ctx, data=data).appointment
    changes.check_in(ctx, appointment=appointment)
    after = replace(ctx, now=datetime(2026, 11, 26, 19, tzinfo=UTC))
    changes.complete(after, appointment=appointment, discharged_at=None)
    ctx.session.flush()
    return appointment.id
