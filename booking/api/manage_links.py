"""Staff re-issue a patient's manage link (lost, or sent to the wrong address)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from booking.api.deps import AppSettings, FrontDesk
from booking.schemas.appointments import SessionLink
from booking.services import manage_links

router = APIRouter(prefix="/api/v1", tags=["appointments"])


@router.post(
    "/appointments/{appointment_id}/manage-link",
    response_model=SessionLink,
    status_code=201,
    operation_id="reissue_manage_link",
)
def reissue(appointment_id: uuid.UUID, ctx: FrontDesk, settings: AppSettings) -> SessionLink:
    """A new link for the patient, shown once; the old one stops working at once (audited)."""
    token = manage_links.reissue(ctx, appointment_id=appointment_id)
    url = manage_links.url(settings.public_url, token)
    return SessionLink(appointment_id=appointment_id, manage_token=token, manage_url=url)
