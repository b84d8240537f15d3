"""The patient's own view through the secret manage link: see, reschedule, cancel.

``{token:manage_token}`` takes whatever follows ``/manage/`` (slashes, backslashes, any
length), so a malformed token reaches the same lookup and the same 404 as an unknown one:
neither the answer nor its timing describes a real token. It stops short of a trailing
``/reschedule``, ``/cancel`` or ``/calendar.ics``, so those paths are only their own routes
(a GET on the first two is a 405 allowing POST, as the document says)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.convertors import StringConvertor, register_url_convertor

from booking.api.deps import AppSettings, PublicContext
from booking.feeds import patient
from booking.schemas.appointments import PatientCancelIn, RescheduleIn
from booking.schemas.manage import ManageView
from booking.services import manage_view


class ManageTokenConvertor(StringConvertor):
    regex = r"(?:(?!/(?:reschedule|cancel|calendar\.ics)$).)*"


register_url_convertor("manage_token", ManageTokenConvertor())
router = APIRouter(prefix="/api/v1/manage", tags=["manage"])


@router.get("/{token:manage_token}", response_model=ManageView, operation_id="view_my_appointment")
def view(token: str, ctx: PublicContext, settings: AppSettings) -> ManageView:
    return manage_view.view(ctx, token=token, clinic_name=settings.name)


@router.post(
    "/{token:manage_token}/reschedule",
    response_model=ManageView,
    operation_id="move_my_appointment",
)
def reschedule(
    token: str, body: RescheduleIn, ctx: PublicContext, settings: AppSettings
) -> ManageView:
    return manage_view.reschedule(ctx, token=token, data=body, clinic_name=settings.name)


@router.post(
    "/{token:manage_token}/cancel", response_model=ManageView, operation_id="cancel_my_appointment"
)
def cancel(
    token: str, body: PatientCancelIn, ctx: PublicContext, settings: AppSettings
) -> ManageView:
    return manage_view.cancel(ctx, token=token, reason=body.reason, clinic_name=settings.name)


CALENDAR_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The appointment as a calendar invite (iCalendar, RFC 5546).",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/{token:manage_token}/calendar.ics",
    operation_id="my_calendar_file",
    response_class=Response,
    responses=CALENDAR_FILE,
)
def calendar_file(token: str, ctx: PublicContext, settings: AppSettings) -> Response:
    """ "Add to calendar": the visit as an .ics file (METHOD:CANCEL once cancelled)."""
    body = patient.calendar_file(ctx, token=token, settings=settings)
    disposition = 'attachment; filename="appointment.ics"'
    return Response(
        body, media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )  # fmt: skip
