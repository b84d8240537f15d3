"""Holding a slot and booking it: the rules, the occupancy claim, the audit and the plan,
all in the caller's one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.gates import check_gates
from booking.models import Appointment, AppointmentStatus, AppointmentType, Hold, Location, Patient
from booking.schemas.appointments import BookingIn, EscortIn, HoldIn
from booking.schemas.patients import PatientIn
from booking.services import manage_links, occupancy, reference
from booking.services.audit import event_values, record, snapshot
from booking.services.clinic_setup import require_location
from booking.services.context import Context
from booking.services.notice_facts import new_appointment_notices
from booking.services.patients import create_patient, possible_duplicates
from booking.services.placement import check_held, place
from core.errors import Forbidden, Invalid, NotFound, Unauthenticated

HOLD_MINUTES = 10


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    manage_token: str  # "" for a replay that kept the link already sent (``replayed``)
    replayed: bool = False


def bookable_type(ctx: Context, type_id: uuid.UUID) -> AppointmentType:
    kind = reference.appointment_type(ctx, type_id)
    if kind is None or not kind.active:
        raise NotFound("appointment type")
    if not ctx.actor.acts_for_clinic and not kind.online_bookable:
        raise Unauthenticated("this appointment type is booked by the clinic's staff")
    return kind


def create_hold(ctx: Context, *, data: HoldIn) -> Hold:
    kind = bookable_type(ctx, data.appointment_type_id)
    location = require_location(ctx, data.location_id)
    spot = place(
        ctx, kind=kind, location=location, starts_at=data.starts_at,
        clinician_id=data.clinician_id, room_id=data.room_id,
    )  # fmt: skip
    hold = Hold(
        id=uuid.uuid4(), appointment_type_id=kind.id, location_id=location.id, location=location,
        clinician_id=spot.clinician_id, room_id=spot.room_id, starts_at=spot.starts_at,
        ends_at=occupancy.session_end(kind, spot.starts_at),
        expires_at=ctx.now + timedelta(minutes=HOLD_MINUTES), created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(hold)
    hold_key = (hold.id, hold.expires_at)
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, hold=hold_key))
    return hold


def book(ctx: Context, *, data: BookingIn) -> Booked:
    kind, location, spot = _where(ctx, data)
    patient = _patient(ctx, data, kind=kind)
    override = check_gates(
        kind, patient, escort=data.escort, override_reason=data.gate_override_reason,
        staff=ctx.actor.acts_for_clinic,
    )  # fmt: skip
    return create_appointment(
        ctx, kind=kind, location=location, patient=patient, spot=spot, escort=data.escort,
        override_reason=override,
    )  # fmt: skip


def create_appointment(
    ctx: Context,
    *,
    kind: AppointmentType,
    location: Location,
    patient: Patient,
    spot: occupancy.Placement,
    escort: EscortIn | None,
    override_reason: str | None,
    series_id: uuid.UUID | None = None,
    series_starts: Sequence[datetime] = (),
) -> Booked:
    """Write one appointment whose rules were checked: its claim, audit and notices."""
    ends_at = occupancy.session_end(kind, spot.starts_at)
    appointment = Appointment(
        id=uuid.uuid4(), appointment_type_id=kind.id, patient_id=patient.id,
        location_id=location.id, location=location, clinician_id=spot.clinician_id,
        room_id=spot.room_id, series_id=series_id, starts_at=spot.starts_at, ends_at=ends_at,
        status=AppointmentStatus.BOOKED, sequence=0, late_cancel=False,
        escort_name=escort.name if escort else None, escort_phone=escort.phone if escort else None,
        gate_override_reason=override_reason, booked_by=ctx.actor.books_as,
        created_at=ctx.now, updated_at=ctx.now,
    )  # fmt: skip
    token = manage_links.issue(appointment)
    # Every column is set above, so the snapshot is what will be stored; the claim writes
    # the appointment, its occupancy and this event together.
    booked = event_values(
        ctx, action="appointment.book", entity=appointment, after=snapshot(appointment),
        patient_id=patient.id, appointment_id=appointment.id,
    )  # fmt: skip
    notices = new_appointment_notices(
        ctx, appointment, kind=kind, location=location, patient=patient, manage_token=token,
        series_starts=series_starts,
    )  # fmt: skip
    rows = occupancy.rows_for(kind, spot, appointment_id=appointment.id)
    occupancy.claim(ctx, rows, audit=booked, new_owner=appointment, notices=notices)
    if override_reason:  # recorded after the booking it explains
        record(
            ctx, action="appointment.gate_override", entity=appointment, reason=override_reason,
            patient_id=patient.id, appointment_id=appointment.id,
        )  # fmt: skip
    return Booked(appointment=appointment, manage_token=token)


def _where(ctx: Context, data: BookingIn) -> tuple[AppointmentType, Location, occupancy.Placement]:
    if data.hold_id is None:
        if data.appointment_type_id is None or data.starts_at is None:
            raise Invalid("validation_error", "give hold_id, or appointment_type_id and starts_at")
        kind = bookable_type(ctx, data.appointment_type_id)
        location = require_location(ctx, data.location_id)
        spot = place(
            ctx, kind=kind, location=location, starts_at=data.starts_at,
            clinician_id=data.clinician_id, room_id=data.room_id,
        )  # fmt: skip
        return kind, location, spot
    hold = ctx.session.get(Hold, data.hold_id)
    if hold is None:
        raise NotFound("hold")
    kind = bookable_type(ctx, hold.appointment_type_id)
    location = require_location(ctx, hold.location_id)
    spot = occupancy.Placement(hold.starts_at, hold.clinician_id, hold.room_id)
    ctx.session.delete(hold)  # its occupancy goes with it; the booking claims it afresh
    ctx.session.flush()
    if hold.expires_at <= ctx.now:  # expired: fine if nobody took the slot meanwhile
        spot = place(
            ctx, kind=kind, location=location, starts_at=hold.starts_at,
            clinician_id=hold.clinician_id, room_id=hold.room_id,
        )  # fmt: skip
    else:
        check_held(ctx, kind=kind, location=location, spot=spot)
    return kind, location, spot


def _patient(ctx: Context, data: BookingIn, *, kind: AppointmentType) -> Patient:
    staff = ctx.actor.acts_for_clinic
    if data.manage_token is not None:
        known = manage_links.find(ctx, data.manage_token)
        return ctx.get(Patient, known.patient_id, "patient")
    if data.patient_id is not None:
        if not staff:
            raise Forbidden("patients book with their details, not a patient id")
        return ctx.get(Patient, data.patient_id, "patient")
    if data.patient is None:
        raise Invalid("validation_error", "give exactly one of patient_id, patient, manage_token")
    if staff:
        return create_patient(ctx, data=data.patient)
    if kind.requires_consult or kind.requires_consent or kind.requires_rems:
        # Matching typed-in details against the records would tell anyone who knows a
        # person's name, birth date and phone whether they are a patient here.
        raise Invalid(
            "manage_link_required",
            "this visit follows an earlier one: book it from the link in your appointment "
            "messages, or call the clinic",
        )
    return match_or_register(ctx, data.patient)


def match_or_register(ctx: Context, details: PatientIn) -> Patient:
    """A patient booking online is matched only on identity plus a contact already on file;
    anything less registers a new record, flagged for the front desk, never merged."""
    for candidate in possible_duplicates(ctx, data=details):
        same_name = (
            candidate.given_name.lower() == details.given_name.lower()
            and candidate.family_name.lower() == details.family_name.lower()
        )
        same_contact = (details.phone and candidate.phone == details.phone) or (
            details.email and candidate.email == details.email
        )
        if same_name and same_contact:
            return candidate
    patient = create_patient(ctx, data=details, allow_duplicate=True)
    if possible_duplicates(ctx, data=details)[1:]:
        record(ctx, action="patient.possible_duplicate", entity=patient, patient_id=patient.id)
    return patient
