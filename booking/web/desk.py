"""The front desk's day board and appointment page: check in, discharge, no-show with one
click, undo a mistaken one, reschedule to an open time, cancel.

Each action is the API route's own service call, guarded by the API route's roles
(check-in: any staff; discharge: clinical staff; the rest: the front desk). A rule that
says no re-renders the appointment page with the reason in plain words.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import Form, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from booking.models import Role
from booking.schemas.appointments import RescheduleIn, UndoIn
from booking.schemas.fields import CalendarDate
from booking.services import changes, desk, staff_views
from booking.web import words
from booking.web.errors import page_router, sentence
from booking.web.pages import (
    AnyStaffPage,
    FrontDeskPage,
    StaffPageContext,
    see_other,
)
from core.errors import DomainError

router = page_router()
# Who may discharge: the API's ClinicalStaff (the button shows only to them).
CLINICAL = frozenset({Role.ADMIN, Role.CLINICIAN})
DESK = frozenset({Role.ADMIN, Role.FRONT_DESK})  # the board and the booking pages

# What the appointment page says after an action (?done=…): a closed set, nothing echoed.
DONE = {
    "checked_in": "Checked in.",
    "completed": "Discharged: the aftercare message goes out now.",
    "no_show": "Marked as a no-show.",
    "undone": "Undone. The appointment is back to its earlier status.",
    "cancelled": "Cancelled. The patient is told, and the reminders are withdrawn.",
    "rescheduled": "Moved. The patient is told the new time.",
    "room_changed": "Moved. Its chair was busy at the new time, so it has another chair.",
    "booked": "Booked. The patient gets the confirmation.",
    "series": "Series booked. This is its first session; the patient gets one confirmation.",
}

Day = Annotated[CalendarDate | None, Query(alias="date")]


@router.get("/desk")
def board(page: FrontDeskPage, location: uuid.UUID | None = None, day: Day = None) -> Response:
    found = desk.day_board(page.ctx, location_id=location, day=day)
    return page.render("desk_board.html", board=found)


def _appointment_page(
    page: StaffPageContext, appointment_id: uuid.UUID, *, day: date | None = None,
    error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    view = desk.appointment_view(page.ctx, appointment_id=appointment_id, reschedule_day=day)
    messages = staff_views.appointment_messages(page.ctx, appointment_id=appointment_id)
    done = DONE.get(page.request.query_params.get("done", ""))
    return page.render(
        "desk_appointment.html", status_code=status, view=view, done=done, error=error,
        at_desk=page.staff.role in DESK,
        messages=messages, words=words,
    )  # fmt: skip


@router.get("/desk/appointments/{appointment_id}")
def appointment(page: AnyStaffPage, appointment_id: uuid.UUID, day: Day = None) -> Response:
    return _appointment_page(page, appointment_id, day=day)


def _refused(page: StaffPageContext, appointment_id: uuid.UUID, exc: DomainError) -> Response:
    """The page again, the reason first: the desk sees what stands and what to do next."""
    desk.discard(page.ctx)
    return _appointment_page(page, appointment_id, error=sentence(exc.message), status=exc.status)


def _done(appointment_id: uuid.UUID, what: str) -> Response:
    return see_other(f"/desk/appointments/{appointment_id}?done={what}")


@router.post("/desk/appointments/{appointment_id}/check-in")
def check_in(page: AnyStaffPage, appointment_id: uuid.UUID) -> Response:
    try:
        changes.check_in(page.ctx, appointment=changes.load(page.ctx, appointment_id))
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "checked_in")


@router.post("/desk/appointments/{appointment_id}/complete")
def complete(page: AnyStaffPage, appointment_id: uuid.UUID) -> Response:
    try:
        appointment = changes.load(page.ctx, appointment_id)
        changes.complete(page.ctx, appointment=appointment, discharged_at=None)
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "completed")


@router.post("/desk/appointments/{appointment_id}/no-show")
def no_show(page: FrontDeskPage, appointment_id: uuid.UUID) -> Response:
    try:
        changes.no_show(page.ctx, appointment=changes.load(page.ctx, appointment_id))
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "no_show")


@router.post("/desk/appointments/{appointment_id}/undo")
def undo(
    page: FrontDeskPage, appointment_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:  # fmt: skip
    try:
        why = UndoIn(reason=reason.strip())
    except ValidationError:
        message = "Say why it was a mistake (at least 3 characters) to undo it."
        return _appointment_page(page, appointment_id, error=message, status=422)
    try:
        appointment = changes.load(page.ctx, appointment_id)
        changes.undo(page.ctx, appointment=appointment, reason=why.reason)
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "undone")


@router.post("/desk/appointments/{appointment_id}/cancel")
def cancel(
    page: FrontDeskPage, appointment_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
    by_clinic: Annotated[bool, Form()] = False,
) -> Response:  # fmt: skip
    try:
        appointment = changes.load(page.ctx, appointment_id)
        changes.cancel(
            page.ctx, appointment=appointment, reason=reason.strip(), by_clinic=by_clinic
        )
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "cancelled")


@router.post("/desk/appointments/{appointment_id}/reschedule")
def reschedule(
    page: FrontDeskPage, appointment_id: uuid.UUID,
    starts_at: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    try:
        new_time = RescheduleIn(starts_at=datetime.fromisoformat(starts_at))
    except (ValueError, ValidationError):
        message = "Choose one of the open times to move the appointment to."
        return _appointment_page(page, appointment_id, error=message, status=422)
    try:
        moved = changes.move(
            page.ctx, appointment=changes.load(page.ctx, appointment_id), data=new_time
        )
    except DomainError as exc:
        return _refused(page, appointment_id, exc)
    return _done(appointment_id, "room_changed" if moved.room_changed else "rescheduled")
