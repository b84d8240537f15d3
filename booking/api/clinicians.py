"""Clinicians, their weekly hours, date overrides and time off."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from booking.api.attention import ConfirmAffected
from booking.api.deps import Admin, AnyStaff, FrontDesk
from booking.models import Clinician, DateOverride, TimeOff, WorkingHours
from booking.schemas.setup import (
    ClinicianIn,
    ClinicianOut,
    ClinicianPatch,
    DateOverrideIn,
    DateOverrideOut,
    PeriodIn,
    TimeOffOut,
    WorkingHoursIn,
    WorkingHoursOut,
)
from booking.services import clinic_setup, hours

router = APIRouter(prefix="/api/v1/clinicians", tags=["setup"])


def _out(clinician: Clinician) -> ClinicianOut:
    return ClinicianOut(
        id=clinician.id,
        name=clinician.name,
        credentials=clinician.credentials,
        display_name=clinician.display_name,
        active=clinician.active,
        appointment_type_ids=[t.id for t in clinician.appointment_types],
    )


@router.get("", response_model=list[ClinicianOut])
def list_clinicians(ctx: AnyStaff) -> list[ClinicianOut]:
    return [_out(c) for c in clinic_setup.list_clinicians(ctx)]


@router.post("", response_model=ClinicianOut, status_code=201)
def create_clinician(body: ClinicianIn, ctx: Admin) -> ClinicianOut:
    return _out(clinic_setup.create_clinician(ctx, data=body))


@router.get("/{clinician_id}", response_model=ClinicianOut)
def get_clinician(clinician_id: uuid.UUID, ctx: AnyStaff) -> ClinicianOut:
    return _out(clinic_setup.load_clinician(ctx, clinician_id))


@router.patch("/{clinician_id}", response_model=ClinicianOut)
def update_clinician(
    clinician_id: uuid.UUID,
    body: ClinicianPatch,
    ctx: Admin,
    confirm_affected: ConfirmAffected = False,
) -> ClinicianOut:
    return _out(
        clinic_setup.update_clinician(
            ctx, clinician_id=clinician_id, data=body, confirmed=confirm_affected
        )
    )


@router.get("/{clinician_id}/working-hours", response_model=list[WorkingHoursOut])
def list_working_hours(clinician_id: uuid.UUID, ctx: AnyStaff) -> list[WorkingHours]:
    return hours.list_working_hours(ctx, clinician_id=clinician_id)


@router.post("/{clinician_id}/working-hours", response_model=WorkingHoursOut, status_code=201)
def add_working_hours(
    clinician_id: uuid.UUID, body: WorkingHoursIn, ctx: FrontDesk
) -> WorkingHours:
    return hours.add_working_hours(ctx, clinician_id=clinician_id, data=body)


@router.get("/{clinician_id}/date-overrides", response_model=list[DateOverrideOut])
def list_date_overrides(clinician_id: uuid.UUID, ctx: AnyStaff) -> list[DateOverride]:
    return hours.list_date_overrides(ctx, clinician_id=clinician_id)


@router.post("/{clinician_id}/date-overrides", response_model=DateOverrideOut, status_code=201)
def add_date_override(
    clinician_id: uuid.UUID,
    body: DateOverrideIn,
    ctx: FrontDesk,
    confirm_affected: ConfirmAffected = False,
) -> DateOverride:
    return hours.add_date_override(
        ctx, clinician_id=clinician_id, data=body, confirmed=confirm_affected
    )


@router.get("/{clinician_id}/time-off", response_model=list[TimeOffOut])
def list_time_off(clinician_id: uuid.UUID, ctx: AnyStaff) -> list[TimeOff]:
    return hours.list_time_off(ctx, clinician_id=clinician_id)


@router.post("/{clinician_id}/time-off", response_model=TimeOffOut, status_code=201)
def add_time_off(
    clinician_id: uuid.UUID,
    body: PeriodIn,
    ctx: FrontDesk,
    confirm_affected: ConfirmAffected = False,
) -> TimeOff:
    return hours.add_time_off(ctx, clinician_id=clinician_id, data=body, confirmed=confirm_affected)


@router.delete("/{clinician_id}/{kind}/{rule_id}", status_code=204)
def remove_rule(
    clinician_id: uuid.UUID,
    kind: hours.RuleKind,
    rule_id: uuid.UUID,
    ctx: FrontDesk,
    confirm_affected: ConfirmAffected = False,
) -> Response:
    """Remove a weekly rule, a date override or a period of time off."""
    hours.remove_clinician_rule(
        ctx, kind=kind, clinician_id=clinician_id, rule_id=rule_id, confirmed=confirm_affected
    )
    return Response(status_code=204)
