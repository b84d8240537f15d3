"""Patients: register, look up, change contact and consent, record clinical gates, history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from booking.api.deps import AnyStaff, ClinicalStaff, FrontDesk
from booking.models import AuditEvent, Patient
from booking.schemas.fields import CalendarDate
from booking.schemas.patients import GateIn, PatientIn, PatientOut, PatientPatch
from booking.schemas.staff import AuditEventOut
from booking.services import patients

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


@router.get("", response_model=list[PatientOut])
def search_patients(
    ctx: AnyStaff,
    q: Annotated[str | None, Query(max_length=100, description="name, phone or email")] = None,
    date_of_birth: CalendarDate | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Patient]:
    return patients.search_patients(ctx, text=q, date_of_birth=date_of_birth, limit=limit)


@router.post("", response_model=PatientOut, status_code=201)
def create_patient(body: PatientIn, ctx: FrontDesk, allow_duplicate: bool = False) -> Patient:
    return patients.create_patient(ctx, data=body, allow_duplicate=allow_duplicate)


@router.get("/{patient_id}", response_model=PatientOut)
def get_patient(patient_id: uuid.UUID, ctx: AnyStaff) -> Patient:
    return patients.get_patient(ctx, patient_id=patient_id)


@router.patch("/{patient_id}", response_model=PatientOut)
def update_patient(patient_id: uuid.UUID, body: PatientPatch, ctx: FrontDesk) -> Patient:
    return patients.update_patient(ctx, patient_id=patient_id, data=body)


@router.post("/{patient_id}/gates", response_model=PatientOut)
def record_gate(patient_id: uuid.UUID, body: GateIn, ctx: ClinicalStaff) -> Patient:
    return patients.record_gate(ctx, patient_id=patient_id, data=body)


@router.get("/{patient_id}/audit", response_model=list[AuditEventOut])
def patient_audit(patient_id: uuid.UUID, ctx: AnyStaff) -> list[AuditEvent]:
    return patients.patient_audit(ctx, patient_id=patient_id)
