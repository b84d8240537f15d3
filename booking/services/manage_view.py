"""The patient's use cases through their manage link: see the visit, move it, cancel it.

Each answers with :class:`ManageView`, what a patient needs to read (names, the address,
local times, what they may still do and until when), never record ids or staff notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking import lifecycle
from booking.models import Appointment, AppointmentStatus, AppointmentType, Clinician, Location
from booking.schemas.appointments import RescheduleIn
from booking.schemas.manage import CancelRule, ManageView, PlaceOut, RescheduleRule, VisitOut
from booking.services import changes, manage_links
from booking.services.context import Actor, Context


def view(ctx: Context, *, token: str, clinic_name: str) -> ManageView:
    return describe(ctx, manage_links.find(ctx, token), clinic_name=clinic_name)


def reschedule(ctx: Context, *, token: str, data: RescheduleIn, clinic_name: str) -> ManageView:
    appointment = manage_links.find(ctx, token)
    changes.take(ctx, appointment)
    patient = _as_patient(ctx, appointment)
    changes.reschedule(patient, appointment=appointment, data=data)
    return describe(ctx, appointment, clinic_name=clinic_name)


def cancel(ctx: Context, *, token: str, reason: str, clinic_name: str) -> ManageView:
    appointment = manage_links.find(ctx, token)
    changes.take(ctx, appointment)
    patient = _as_patient(ctx, appointment)
    changes.cancel(patient, appointment=appointment, reason=reason)
    return describe(ctx, appointment, clinic_name=clinic_name)


def _as_patient(ctx: Context, appointment: Appointment) -> Context:
    return ctx.acting_as(Actor.patient(appointment.patient_id, "manage link"))


def describe(ctx: Context, appointment: Appointment, *, clinic_name: str) -> ManageView:
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    location = ctx.get(Location, appointment.location_id, "location")
    clinician = ctx.get(Clinician, appointment.clinician_id, "clinician")
    zone = ZoneInfo(location.timezone)
    starts, ends = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    cancelled = appointment.cancelled_at
    return ManageView(
        clinic=clinic_name, location=place(location), visit=visit(kind, starts),
        clinician=display_name(clinician), starts_at=starts, ends_at=ends, timezone=zone.key,
        status=appointment.status, escort_name=appointment.escort_name,
        escort_phone=appointment.escort_phone,
        cancelled_at=cancelled.astimezone(zone) if cancelled else None,
        late_cancel=appointment.late_cancel,
        reschedule=reschedule_rule(appointment.status, kind, starts, now=ctx.now),
        cancel=cancel_rule(appointment.status, kind, starts, now=ctx.now),
        link_expires_at=manage_links.expires_at(ends),
    )  # fmt: skip


def display_name(clinician: Clinician) -> str:
    return clinician.display_name or clinician.name


def place(location: Location) -> PlaceOut:
    return PlaceOut(
        name=location.name, address=location.address, phone=location.phone,
        timezone=location.timezone,
    )  # fmt: skip


def visit(kind: AppointmentType, starts: datetime) -> VisitOut:
    def before(minutes: int | None) -> datetime | None:
        return None if minutes is None else starts - timedelta(minutes=minutes)

    return VisitOut(
        name=kind.public_name, description=kind.description, preparation=kind.preparation,
        no_food_after=before(kind.fast_food_minutes),
        no_liquids_after=before(kind.fast_liquids_minutes),
    )  # fmt: skip


# The two rules below say in advance what changes.reschedule and changes.cancel decide when
# the patient asks (tests hold them to the same answers).


def reschedule_rule(
    status: AppointmentStatus, kind: AppointmentType, starts: datetime, *, now: datetime
) -> RescheduleRule:
    """Patients move online-bookable visits, up to the start of the late-cancel window."""
    if status not in lifecycle.RESCHEDULABLE:
        return RescheduleRule(allowed=False, until=None, note=f"this visit is {status.value}")
    if not kind.online_bookable:
        note = "the front desk moves this visit: call the clinic"
        return RescheduleRule(allowed=False, until=None, note=note)
    until = starts - timedelta(hours=kind.late_cancel_hours)
    if now > until:
        note = f"within {kind.late_cancel_hours} h of the visit, call the clinic to move it"
        return RescheduleRule(allowed=False, until=until, note=note)
    return RescheduleRule(allowed=True, until=until, note="")


def cancel_rule(
    status: AppointmentStatus, kind: AppointmentType, starts: datetime, *, now: datetime
) -> CancelRule:
    """Patients cancel a booked visit until it starts; inside the window it counts as late."""
    hours = kind.late_cancel_hours
    if status is not AppointmentStatus.BOOKED:
        return CancelRule(allowed=False, until=None, late_after=None, late_cancel_hours=hours)
    late_after = starts - timedelta(hours=hours)
    return CancelRule(
        allowed=now < starts, until=starts, late_after=late_after, late_cancel_hours=hours
    )
