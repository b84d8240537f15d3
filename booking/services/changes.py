"""What happens to a booked appointment: reschedule, cancel, check in, complete, no-show.

Each change checks the lifecycle, bumps the sequence (calendars see the new version),
writes its audit event and re-plans the notices, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking import lifecycle
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location
from booking.schemas.appointments import RescheduleIn
from booking.services import manage_links, occupancy, waitlist
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
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    if not staff:
        _patient_may_move(ctx, appointment, kind)
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
    changes["manage_token_expires_at"] = manage_links.expires_at(changes["ends_at"])  # type: ignore[arg-type]
    _touch(ctx, appointment, changes, "appointment.reschedule")
    waitlist.match_freed(ctx, freed=freed, kind=kind, location=location)
    return appointment


def _patient_may_move(ctx: Context, appointment: Appointment, kind: AppointmentType) -> None:
    """Through the manage link a patient moves only what they could book online, and not
    inside the late-cancel window: a late move would be a late cancellation by another name."""
    if not kind.online_bookable:
        raise Conflict("call_the_clinic", "treatment sessions are moved by the front desk")
    if appointment.starts_at - ctx.now < timedelta(hours=kind.late_cancel_hours):
        raise Conflict(
            "call_the_clinic",
            f"within {kind.late_cancel_hours} h of the appointment, call the clinic to move it"
            " (you can still cancel here)",
        )


def cancel(
    ctx: Context, *, appointment: Appointment, reason: str, staff: bool, by_clinic: bool = False
) -> Appointment:
    """``by_clinic`` (staff only): the clinic called it off, so it is never the patient's late
    cancellation."""
    _require(appointment, S.CANCELLED)
    if not staff and (appointment.status is not S.BOOKED or appointment.starts_at <= ctx.now):
        raise Conflict("too_late", "this appointment has already started; call the clinic")
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    inside_window = appointment.starts_at - ctx.now < timedelta(hours=kind.late_cancel_hours)
    late = inside_window and not (staff and by_clinic)
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
    """From four hours before the start until the end of that day at the location (so a
    check-in forgotten at the desk can still be recorded, but not weeks later)."""
    _require(appointment, S.CHECKED_IN)
    if ctx.now < appointment.starts_at - timedelta(hours=4):
        raise Invalid("too_early", "check-in opens four hours before the appointment")
    zone = ZoneInfo(ctx.get(Location, appointment.location_id, "location").timezone)
    if ctx.now.astimezone(zone).date() > appointment.starts_at.astimezone(zone).date():
        raise Invalid("too_late", "check-in closes at the end of the appointment's day")
    _touch(
        ctx, appointment, {"status": S.CHECKED_IN, "checked_in_at": ctx.now}, "appointment.check_in"
    )
    return appointment


def complete(
    ctx: Context, *, appointment: Appointment, discharged_at: datetime | None
) -> Appointment:
    _require(appointment, S.COMPLETED)
    at = discharged_at or ctx.now
    earliest = max(appointment.starts_at, appointment.checked_in_at or appointment.starts_at)
    if at > ctx.now or at < earliest:
        raise Invalid(
            "invalid_discharge_time",
            "discharge must be after the start and check-in, and not in the future",
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
