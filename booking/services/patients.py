"""Patients: registration, contact and consent changes, clinical gates, search.

A new registration that looks like someone already on file is refused with the
candidates rather than merged or duplicated silently; staff decide.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, func, or_, select

from booking.models import AuditEvent, Patient
from booking.schemas.patients import Gate, GateIn, PatientIn, PatientPatch, PossibleDuplicate
from booking.services.audit import list_events, record_create, update_audited
from booking.services.context import Context
from core.clock import as_utc
from core.errors import Conflict, Invalid

_GATE_COLUMN = {
    Gate.CONSULT_COMPLETED: "consult_completed_at",
    Gate.CONSENT_SIGNED: "consent_signed_at",
    Gate.REMS_ENROLLED: "rems_enrolled_at",
}


def _check_birth_date(value: date, *, today: date) -> None:
    if value >= today or value.year < 1900:
        raise Invalid("invalid_date_of_birth", "date_of_birth must be a real date in the past")


def _consent_moment(given: bool | None, current: datetime | None, now: datetime) -> Any:
    """Keep the original moment while consent stands; stamp it when given; clear on withdrawal."""
    if given is None:
        return current
    if given:
        return current or now
    return None


def _describe(exc: ValidationError) -> str:
    """What is wrong, field by field; never the rejected values (they are a patient's details)."""
    parts = []
    for error in exc.errors()[:5]:
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        field = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts) or "the patient's details do not hold together"


def possible_duplicates(ctx: Context, *, data: PatientIn) -> list[Patient]:
    """Same birth date and the same name, phone or email: probably the same person."""
    same_identity = [
        and_(
            func.lower(Patient.given_name) == data.given_name.lower(),
            func.lower(Patient.family_name) == data.family_name.lower(),
        )
    ]
    if data.phone:
        same_identity.append(Patient.phone == data.phone)
    if data.email:
        same_identity.append(Patient.email == data.email)
    query = select(Patient).where(Patient.date_of_birth == data.date_of_birth, or_(*same_identity))
    return list(ctx.session.scalars(query.limit(10)))


def create_patient(ctx: Context, *, data: PatientIn, allow_duplicate: bool = False) -> Patient:
    _check_birth_date(data.date_of_birth, today=ctx.now.date())
    if not allow_duplicate and (matches := possible_duplicates(ctx, data=data)):
        raise Conflict(
            "possible_duplicate",
            "a patient with this birth date and the same name, phone or email is on file; "
            "use that record, or repeat with allow_duplicate=true if this is someone else",
            candidates=[
                PossibleDuplicate.model_validate(m).model_dump(mode="json") for m in matches
            ],
        )
    fields = data.model_dump(exclude={"sms_consent", "email_consent"})
    patient = Patient(
        **fields,
        sms_consent_at=ctx.now if data.sms_consent else None,
        email_consent_at=ctx.now if data.email_consent else None,
        created_at=ctx.now,
    )
    ctx.session.add(patient)
    ctx.session.flush()
    record_create(ctx, patient, action="patient.create", patient_id=patient.id)
    return patient


def get_patient(ctx: Context, *, patient_id: uuid.UUID) -> Patient:
    return ctx.get(Patient, patient_id, "patient")


def patient_audit(ctx: Context, *, patient_id: uuid.UUID) -> list[AuditEvent]:
    """A known patient's audit trail (404 for an unknown id, not an empty list)."""
    ctx.get(Patient, patient_id, "patient")
    return list_events(ctx, patient_id=patient_id)


def update_patient(ctx: Context, *, patient_id: uuid.UUID, data: PatientPatch) -> Patient:
    patient = ctx.get(Patient, patient_id, "patient")
    changes = data.model_dump(exclude_unset=True)
    current = {
        key: getattr(patient, key) for key in PatientIn.model_fields if hasattr(patient, key)
    }
    current |= {
        "sms_consent": patient.sms_consent_at is not None,
        "email_consent": patient.email_consent_at is not None,
    }
    try:  # the record as a whole must still hold together (e.g. SMS consent needs a phone)
        merged = PatientIn.model_validate(current | changes)
    except ValidationError as exc:
        raise Invalid("invalid_patient", _describe(exc)) from exc
    _check_birth_date(merged.date_of_birth, today=ctx.now.date())
    changes["sms_consent_at"] = _consent_moment(
        changes.pop("sms_consent", None), patient.sms_consent_at, ctx.now
    )
    changes["email_consent_at"] = _consent_moment(
        changes.pop("email_consent", None), patient.email_consent_at, ctx.now
    )
    update_audited(ctx, patient, changes, action="patient.update", patient_id=patient.id)
    return patient


def record_gate(ctx: Context, *, patient_id: uuid.UUID, data: GateIn) -> Patient:
    patient = ctx.get(Patient, patient_id, "patient")
    at = as_utc(data.at) if data.at is not None else ctx.now  # stored and echoed as UTC
    if at > ctx.now:
        raise Invalid("gate_in_future", "a gate cannot be recorded as met in the future")
    column = _GATE_COLUMN[data.gate]
    if not data.done and not data.reason:
        raise Invalid("reason_required", "withdrawing a gate needs a reason")
    update_audited(
        ctx,
        patient,
        {column: at if data.done else None},
        action=f"patient.gate.{data.gate.value}",
        patient_id=patient.id,
        reason=data.reason,
    )
    return patient


def _escape_like(text: str) -> str:
    """Search text is literal: % and _ typed by staff are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_patients(
    ctx: Context, *, text: str | None = None, date_of_birth: date | None = None, limit: int = 50
) -> list[Patient]:
    query = select(Patient)
    if text:
        needle = f"%{_escape_like(text.strip().lower())}%"
        digits = "".join(ch for ch in text if ch.isdigit())
        matches = [
            func.lower(Patient.given_name + " " + Patient.family_name).like(needle, escape="\\"),
            func.lower(Patient.email).like(needle, escape="\\"),
        ]
        if digits:
            matches.append(Patient.phone.like(f"%{digits}%"))
        query = query.where(or_(*matches))
    if date_of_birth is not None:
        query = query.where(Patient.date_of_birth == date_of_birth)
    query = query.order_by(Patient.family_name, Patient.given_name, Patient.id).limit(limit)
    return list(ctx.session.scalars(query))
