"""What happens to a booked appointment: reschedule, cancel, check in, complete, no-show.

Each change checks the lifecycle, bumps the sequence (calendars see the new version),
writes its audit event and re-plans the notices, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from booking import lifecycle
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location
from booking.schemas.appointments import RescheduleIn
from booking.services import occupancy, waitlist
from booking.services.appointments import facts_of
from booking.services.audit import update_audited
from booking.services.context import Context
from booking.services.placement import place
from booking.services.series import check_spacing
from core.clock import as_utc
from core.errors import Conflict, Invalid
from scheduler.planning import plan

S = AppointmentStatus


def _touch(ctx: Context, appointment: Appointment, changes: dict[str, object], action: str) -> None:
    changes |= {"sequence": appointment.sequence + 1, "updated_at": ctx.now}
    update_audited(
        ctx, appointment, changes, action=action,
        patient_id=appointment.patient_id, appointment_id=appointment.id,
    )  # fmt: skip
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    location = ctx.get(Location, appointment.location_id, "location")
    plan(ctx.session, facts_of(appointment, kind, location, change=action.split(".")[-1]))


def _require(appointment: Appointment, target: S) -> None:
    if not lifecycle.can_move(appointment.status, target):
        raise Conflict(
            "invalid_transition",
            f"a {appointment.status.value} appointment cannot become {target.value}",
        )


def reschedule(
    ctx: Context, *, appointment: Appointment, data: RescheduleIn, staff: bool
) -> Appointment:
    if appointment.status not in lifecycle.RESCHEDULABLE:
        raise Conflict(
            "invalid_transition", f"a {appointment.status.value} appointment cannot move"
        )
    if not staff and appointment.starts_at <= ctx.now:
        raise Conflict("too_late", "this appointment has already started")
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    location = ctx.get(Location, appointment.location_id, "location")
    check_spacing(ctx, appointment=appointment, new_start=as_utc(data.starts_at))
    freed = waitlist.FreedSlot.of(appointment)
    spot = place(
        ctx, kind=kind, location=location, starts_at=data.starts_at,
        clinician_id=data.clinician_id or appointment.clinician_id,  # same clinician by default
        room_id=data.room_id, staff=staff, ignore_appointment=appointment.id,
    )  # fmt: skip
    occupancy.release(ctx, appointment_id=appointment.id)
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, appointment_id=appointment.id))
    changes: dict[str, object] = {
        "starts_at": spot.starts_at,
        "ends_at": occupancy.session_end(kind, spot.starts_at),
        "clinician_id": spot.clinician_id,
        "room_id": spot.room_id,
    }
    changes["manage_token_expires_at"] = changes["ends_at"] + timedelta(days=7)  # type: ignore[operator]
    _touch(ctx, appointment, changes, "appointment.reschedule")
    waitlist.match_freed(ctx, freed=freed, kind=kind, location=location)
    return appointment


def cancel(ctx: Context, *, appointment: Appointment, reason: str, staff: bool) -> Appointment:
    _require(appointment, S.CANCELLED)
    if not staff and appointment.starts_at <= ctx.now:
        raise Conflict("too_late", "this appointment has already started")
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    late = appointment.starts_at - ctx.now < timedelta(hours=kind.late_cancel_hours)
    occupancy.release(ctx, appointment_id=appointment.id)
    changes: dict[str, object] = {
        "status": S.CANCELLED, "cancelled_at": ctx.now, "late_cancel": late,
        "cancel_reason": reason or None,
    }  # fmt: skip
    _touch(ctx, appointment, changes, "appointment.cancel")
    location = ctx.get(Location, appointment.location_id, "location")
    waitlist.match_freed(
        ctx, freed=waitlist.FreedSlot.of(appointment), kind=kind, location=location
    )
    return appointment


def check_in(ctx: Context, *, appointment: Appointment) -> Appointment:
    _require(appointment, S.CHECKED_IN)
    if ctx.now < appointment.starts_at - timedelta(hours=4):
        raise Invalid("too_early", "check-in opens four hours before the appointment")
    _touch(
        ctx, appointment, {"status": S.CHECKED_IN, "checked_in_at": ctx.now}, "appointment.check_in"
    )
    return appointment


def complete(
    ctx: Context, *, appointment: Appointment, discharged_at: datetime | None
) -> Appointment:
    _require(appointment, S.COMPLETED)
    at = discharged_at or ctx.now
    if at > ctx.now or (appointment.checked_in_at and at < appointment.checked_in_at):
        raise Invalid(
            "invalid_discharge_time", "discharge must be after check-in and not in the future"
        )
    _touch(ctx, appointment, {"status": S.COMPLETED, "completed_at": at}, "appointment.complete")
    return appointment


def no_show(ctx: Context, *, appointment: Appointment) -> Appointment:
    _require(appointment, S.NO_SHOW)
    if ctx.now < appointment.starts_at:
        raise Invalid("too_early", "a patient can only miss an appointment once it has started")
    occupancy.release(ctx, appointment_id=appointment.id)
    _touch(ctx, appointment, {"status": S.NO_SHOW}, "appointment.no_show")
    return appointment


def load(ctx: Context, appointment_id: uuid.UUID) -> Appointment:
    return ctx.get(Appointment, appointment_id, "appointment")
