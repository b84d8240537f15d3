"""The patient's own view through the secret manage link: see, reschedule, cancel.

``{token:path}`` takes whatever follows ``/manage/`` (slashes, backslashes, any length), so
a malformed token reaches the same lookup and the same 404 as an unknown one: neither the
answer nor its timing describes a real token."""

from __future__ import annotations

from fastapi import APIRouter

from booking.api.deps import AppSettings, PublicContext
from booking.schemas.appointments import PatientCancelIn, RescheduleIn
from booking.schemas.manage import ManageView
from booking.services import manage_view

router = APIRouter(prefix="/api/v1/manage", tags=["manage"])


@router.get("/{token:path}", response_model=ManageView, operation_id="view_my_appointment")
def view(token: str, ctx: PublicContext, settings: AppSettings) -> ManageView:
    return manage_view.view(ctx, token=token, clinic_name=settings.name)


@router.post(
    "/{token:path}/reschedule", response_model=ManageView, operation_id="move_my_appointment"
)
def reschedule(
    token: str, body: RescheduleIn, ctx: PublicContext, settings: AppSettings
) -> ManageView:
    return manage_view.reschedule(ctx, token=token, data=body, clinic_name=settings.name)


@router.post(
    "/{token:path}/cancel", response_model=ManageView, operation_id="cancel_my_appointment"
)
def cancel(
    token: str, body: PatientCancelIn, ctx: PublicContext, settings: AppSettings
) -> ManageView:
    return manage_view.cancel(ctx, token=token, reason=body.reason, clinic_name=settings.name)
