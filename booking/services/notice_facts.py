"""What the scheduler is told on every appointment change, built in one place from objects
the change already holds (the clinician's name comes from the cached setup: no extra read),
and the appointment type's notice policy (its overrides, read from the type itself)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from booking.models import Appointment, AppointmentType, Location, Patient
from booking.notice_rules import policy_of, quiet_hours
from booking.services import reference
from booking.services.context import Context
from scheduler.facts import AppointmentFacts, Change, ContactRestriction
from scheduler.planning import fresh_rows, plan
from scheduler.rules import NoticePolicy


def facts_of(
    appointment: Appointment,
    kind: AppointmentType,
    location: Location,
    patient: Patient,
    *,
    change: Change,
    clinician_name: str = "",
    manage_path: str | None = None,
    series_starts: Sequence[datetime] = (),
    by_clinic: bool = False,
    previous_starts_at: datetime | None = None,
) -> AppointmentFacts:
    return AppointmentFacts(
        appointment_id=appointment.id, change=change, status=appointment.status.value,
        kind=kind.kind.value, starts_at=appointment.starts_at, ends_at=appointment.ends_at,
        zone=location.timezone, patient_id=appointment.patient_id,
        completed_at=appointment.completed_at, sequence=appointment.sequence,
        cancelled_by_clinic=by_clinic,
        series_id=appointment.series_id, series_starts=tuple(series_starts),
        patient_name=patient.given_name, patient_phone=patient.phone,
        patient_email=patient.email, sms_consent=patient.sms_consent_at is not None,
        email_consent=patient.email_consent_at is not None,
        contact_restriction=ContactRestriction(patient.contact_restriction.value),
        no_escort_messages=patient.no_escort_messages, patient_zone=patient.timezone,
        escort_name=appointment.escort_name, escort_phone=appointment.escort_phone,
        location_name=location.name, location_address=location.address,
        location_phone=location.phone or "", clinician_name=clinician_name,
        visit_name=kind.public_name, preparation=kind.preparation, manage_path=manage_path,
        fast_food_minutes=kind.fast_food_minutes, fast_liquids_minutes=kind.fast_liquids_minutes,
        previous_starts_at=previous_starts_at,
    )  # fmt: skip


def plan_notices(
    ctx: Context,
    appointment: Appointment,
    *,
    kind: AppointmentType,
    location: Location,
    patient: Patient,
    change: Change,
    manage_token: str | None = None,
    series_starts: Sequence[datetime] = (),
    by_clinic: bool = False,
    clinician_names: Mapping[uuid.UUID, str] | None = None,
    previous_starts_at: datetime | None = None,
) -> int:
    """Re-plan the appointment's notices in the caller's transaction, as of ``ctx.now``."""
    facts = _facts(
        ctx, appointment, kind, location, patient, change=change, manage_token=manage_token,
        series_starts=series_starts, by_clinic=by_clinic, clinician_names=clinician_names,
        previous_starts_at=previous_starts_at,
    )  # fmt: skip
    return plan(ctx.session, facts, now=ctx.now, policy=_policy(ctx, kind))


def new_appointment_notices(
    ctx: Context,
    appointment: Appointment,
    *,
    kind: AppointmentType,
    location: Location,
    patient: Patient,
    manage_token: str,
    series_starts: Sequence[datetime] = (),
) -> list[dict[str, Any]]:
    """The notice rows of an appointment being created in this transaction, for the caller
    to write with it (occupancy.claim): a new appointment has no notices to replace."""
    facts = _facts(
        ctx, appointment, kind, location, patient, change=Change.BOOKED,
        manage_token=manage_token, series_starts=series_starts,
    )  # fmt: skip
    return fresh_rows(ctx.session, facts, now=ctx.now, policy=_policy(ctx, kind))


def _facts(
    ctx: Context,
    appointment: Appointment,
    kind: AppointmentType,
    location: Location,
    patient: Patient,
    *,
    change: Change,
    manage_token: str | None,
    series_starts: Sequence[datetime],
    by_clinic: bool = False,
    clinician_names: Mapping[uuid.UUID, str] | None = None,
    previous_starts_at: datetime | None = None,
) -> AppointmentFacts:
    names = reference.current(ctx).clinician_names if clinician_names is None else clinician_names
    return facts_of(
        appointment, kind, location, patient, change=change,
        clinician_name=names.get(appointment.clinician_id, ""),
        manage_path=f"/manage/{manage_token}" if manage_token else None,
        series_starts=series_starts, by_clinic=by_clinic, previous_starts_at=previous_starts_at,
    )  # fmt: skip


def _policy(ctx: Context, kind: AppointmentType) -> NoticePolicy:
    return policy_of(
        kind.kind.value, kind.notice_policy, monitoring_form_days=kind.monitoring_form_days,
        quiet=quiet_hours(ctx.settings),
    )  # fmt: skip
