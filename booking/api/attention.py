"""Appointments stranded by a change to hours, time off or closures, for the front desk.

Registered before the appointments router: ``/appointments/{appointment_id}`` would
otherwise take ``needs-attention`` for an id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from booking.api.deps import FrontDesk
from booking.schemas.attention import NeedsAttentionOut
from booking.services import attention

router = APIRouter(prefix="/api/v1", tags=["appointments"])

# Taken by every route that changes hours, time off or closures.
ConfirmAffected = Annotated[
    bool,
    Query(
        description="go ahead even though booked appointments would be stranded (otherwise "
        "409 affects_appointments lists them); they then need attention"
    ),
]


@router.get(
    "/appointments/needs-attention",
    response_model=list[NeedsAttentionOut],
    operation_id="list_appointments_needing_attention",
)
def needs_attention(ctx: FrontDesk) -> list[attention.Stranded]:
    """Booked or checked-in appointments still to come whose clinician is away, whose
    location is closed, or that fall outside their clinician's hours, soonest first. Each
    leaves the list once it is moved into valid time or cancelled."""
    return attention.needs_attention(ctx)
