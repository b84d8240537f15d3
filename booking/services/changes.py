"""What happens to a booked appointment: reschedule, cancel, check in, complete, no-show,
and the undoing of a check-in, discharge or no-show recorded by mistake.

Each change checks the lifecycle, bumps the sequence (calendars see the new version),
writes its audit event and re-plans the notices, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking import lifecycle
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location, Patient
from booking.schemas.appointments import RescheduleIn
from booking.services import manage_links, occupancy, waitlist
from booking.services.audit import update_audited
from booking.services.context import Context
from booking.services.notice_facts import plan_notices
from booking.services.placement import candidates
from booking.services.series import check_spacing
from core.clock import as_utc
from core.errors import Conflict, Invalid, NotFound
from scheduler.facts import Change

S = AppointmentStatus


def _touch(
    ctx: Context, appointment: Appointment, changes: dict[str, object], change: Change,
    action: str, reason: str | None = None, by_clinic: bool = False,
) -> None:  # fmt: skip
    """Bump the sequence, audit ``action`` and tell the scheduler ``change`` (a reschedule's
    notice says the time it replaced)."""
    previous = appointment.starts_at if change is Change.RESCHEDULED else None
    changes |= {"sequence": appointment.sequence + 1, "updated_at": ctx.now}
    update_audited(
        ctx, appointment, changes, action=action, reason=reason,
        patient_id=appointment.patient_id, appointment_id=appointment.id,
    )  # fmt: skip
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    location = ctx.get(Location, appointment.location_id, "location")
    patient = ctx.get(Patient, appointment.patient_id, "patient")
    plan_notices(
        ctx, appointment, kind=kind, location=location, patient=patient, change=change,
        by_clinic=by_clinic, previous_starts_at=previous,
    )  # fmt: skip


def _require(appointment: Appointment, target: S) -> None:
    if not lifecycle.can_move(appointment.status, target):
        raise Conflict(
            "invalid_transition",
            f"a {appointment.status.value} appointment cannot become {target.value}",
        )


@dataclass(frozen=True)
class Moved:
    """A rescheduled appointment and the chair it had, so the answer can say it changed."""

    appointment: Appointment
    previous_room_id: uuid.UUID | None

    @property
    def room_changed(self) -> bool:
        return self.appointment.room_id != self.previous_room_id


def reschedule(ctx: Context, *, appointment: Appointment, data: RescheduleIn) -> Appointment:
    return move(ctx, appointment=appointment, data=data).appointment


def move(ctx: Context, *, appointment: Appointment, data: RescheduleIn) -> Moved:
    """Same clinician and chair by default; another chair only when that one is busy."""
    if appointment.status not in lifecycle.RESCHEDULABLE:
        raise Conflict(
            "invalid_transition", f"a {appointment.status.value} appointment cannot move"
        )
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    if not ctx.actor.acts_for_clinic:
        _patient_may_move(ctx, appointment, kind)
    location = ctx.get(Location, appointment.location_id, "location")
    check_spacing(ctx, appointment=appointment, new_start=as_utc(data.starts_at))
    freed = waitlist.FreedSlot.of(appointment)
    previous_room = appointment.room_id
    spot = _new_spot(ctx, appointment, data, kind=kind, location=location)
    occupancy.release(ctx, appointment_id=appointment.id)
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, appointment_id=appointment.id))
    changes: dict[str, object] = {
        "starts_at": spot.starts_at,
        "ends_at": occupancy.session_end(kind, spot.starts_at),
        "clinician_id": spot.clinician_id,
        "room_id": spot.room_id,
    }
    changes["manage_token_expires_at"] = manage_links.expires_at(changes["ends_at"])  # type: ignore[arg-type]
    _touch(ctx, appointment, changes, Change.RESCHEDULED, "appointment.reschedule")
    waitlist.match_freed(ctx, freed=freed, kind=kind, location=location)
    return Moved(appointment, previous_room)


def _new_spot(
    ctx: Context, appointment: Appointment, data: RescheduleIn, *, kind: AppointmentType,
    location: Location,
) -> occupancy.Placement:  # fmt: skip
    """The clinician and chair asked for, else the appointment's own where they are free."""
    found = candidates(
        ctx, kind=kind, location=location, starts_at=data.starts_at,
        clinician_id=data.clinician_id or appointment.clinician_id, room_id=data.room_id,
        ignore_appointment=appointment.id,
    )  # fmt: skip
    if not found.fitting:
        raise found.error()
    same_room = [spot for spot in found.fitting if spot.room_id == appointment.room_id]
    return (same_room or found.fitting)[0]


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
    ctx: Context, *, appointment: Appointment, reason: str, by_clinic: bool = False
) -> Appointment:
    """``by_clinic`` (staff only, ignored from a patient): the clinic called it off, so it is
    never the patient's late cancellation."""
    _require(appointment, S.CANCELLED)
    staff = ctx.actor.acts_for_clinic
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
    _touch(
        ctx, appointment, changes, Change.CANCELLED, "appointment.cancel",
        by_clinic=staff and by_clinic,
    )  # fmt: skip
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
    changes = {"status": S.CHECKED_IN, "checked_in_at": ctx.now}
    _touch(ctx, appointment, changes, Change.CHECKED_IN, "appointment.check_in")
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
    changes = {"status": S.COMPLETED, "completed_at": at}
    _touch(ctx, appointment, changes, Change.COMPLETED, "appointment.complete")
    return appointment


def no_show(ctx: Context, *, appointment: Appointment) -> Appointment:
    _require(appointment, S.NO_SHOW)
    if ctx.now < appointment.starts_at:
        raise Invalid("too_early", "a patient can only miss an appointment once it has started")
    occupancy.release(ctx, appointment_id=appointment.id)
    _touch(ctx, appointment, {"status": S.NO_SHOW}, Change.NO_SHOW, "appointment.no_show")
    return appointment


def undo(ctx: Context, *, appointment: Appointment, reason: str) -> Appointment:
    """Put back the status before a check-in, discharge or no-show recorded by mistake
    (audited with ``reason``); a no-show's slot is claimed again, if still free."""
    correction = lifecycle.CORRECTIONS.get(appointment.status)
    if correction is None:
        raise Conflict(
            "invalid_transition", f"a {appointment.status.value} appointment has nothing to undo"
        )
    location = ctx.get(Location, appointment.location_id, "location")
    if not lifecycle.correction_open(appointment.starts_at, ctx.now, ZoneInfo(location.timezone)):
        raise Conflict(
            "correction_window_closed",
            "corrections close at the end of the day after the appointment",
        )
    previous, recorded = correction
    if previous in lifecycle.OCCUPYING and appointment.status not in lifecycle.OCCUPYING:
        _reclaim(ctx, appointment)
    changes: dict[str, object] = {"status": previous} | ({recorded: None} if recorded else {})
    _touch(ctx, appointment, changes, Change.CORRECTED, "appointment.undo", reason=reason)
    return appointment


def _reclaim(ctx: Context, appointment: Appointment) -> None:
    """The occupancy a no-show released, back, unless the slot was booked again meanwhile."""
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    spot = occupancy.Placement(appointment.starts_at, appointment.clinician_id, appointment.room_id)
    try:
        occupancy.claim(ctx, occupancy.rows_for(kind, spot, appointment_id=appointment.id))
    except Conflict as exc:
        raise Conflict(
            "slot_taken", "the slot was booked again since; move or cancel the appointment"
        ) from exc


def load(ctx: Context, appointment_id: uuid.UUID, *, lock: bool = True) -> Appointment:
    """The appointment, locked for a change unless ``lock`` is false (a read): on PostgreSQL
    two changes of one appointment would otherwise both start from the same state, and a
    cancel racing a reschedule leave a cancelled appointment holding its new slot."""
    found = ctx.session.get(Appointment, appointment_id, with_for_update=True if lock else None)
    if found is None:
        raise NotFound("appointment")
    return found


def take(ctx: Context, appointment: Appointment) -> None:
    """Lock an appointment found otherwise (by its manage link) and read it afresh."""
    ctx.session.refresh(appointment, with_for_update=True)
