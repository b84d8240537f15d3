"""Public clinic information for a booking page (no login)."""

from __future__ import annotations

from fastapi import APIRouter

from booking.api.deps import AppSettings, PublicContext
from booking.schemas.manage import ClinicOut
from booking.services.clinic_info import clinic_information

router = APIRouter(prefix="/api/v1", tags=["booking page"])


@router.get("/clinic", response_model=ClinicOut, operation_id="clinic_information")
def clinic(ctx: PublicContext, settings: AppSettings) -> ClinicOut:
    """What patients can book online, where, and the display names of who they would see."""
    return clinic_information(ctx, clinic_name=settings.name)
