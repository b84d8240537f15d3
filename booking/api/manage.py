"""The patient's own view through the secret manage link: see, reschedule, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from booking.api.deps import PublicContext
from booking.models import Appointment
from booking.schemas.appointments import PatientAppointmentOut, PatientCancelIn, RescheduleIn
from booking.services import changes
from booking.services.appointments import find_by_manage_token
from booking.services.context import Actor, Context

router = APIRouter(prefix="/api/v1/manage", tags=["manage"])
Token = Annotated[str, Path(min_length=20, max_length=100)]


def _as_patient(ctx: Context, appointment: Appointment) -> Context:
    actor = Actor(kind="patient", id=appointment.patient_id, label="manage link")
    return Context(session=ctx.session, actor=actor, now=ctx.now)


@router.get("/{token}", response_model=PatientAppointmentOut)
def view(token: Token, ctx: PublicContext) -> Appointment:
    return find_by_manage_token(ctx, token)


@router.post("/{token}/reschedule", response_model=PatientAppointmentOut)
def reschedule(token: Token, body: RescheduleIn, ctx: PublicContext) -> Appointment:
    appointment = find_by_manage_token(ctx, token)
    patient = _as_patient(ctx, appointment)
    return changes.reschedule(patient, appointment=appointment, data=body, staff=False)


@router.post("/{token}/cancel", response_model=PatientAppointmentOut)
def cancel(token: Token, body: PatientCancelIn, ctx: PublicContext) -> Appointment:
    appointment = find_by_manage_token(ctx, token)
    patient = _as_patient(ctx, appointment)
    return changes.cancel(patient, appointment=appointment, reason=body.reason, staff=False)
