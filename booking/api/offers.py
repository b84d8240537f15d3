"""A waitlist offer through its secret link (public: the link is the credential): see what
is held and until when, take it, or let it go to the next person waiting."""

from __future__ import annotations

from fastapi import APIRouter

from booking.api.deps import AppSettings, PublicContext
from booking.schemas.appointments import PatientAppointmentOut, PatientBookedOut
from booking.schemas.offers import OfferAcceptIn, OfferOut
from booking.services import manage_links, offers
from booking.services.offers import OfferView

router = APIRouter(prefix="/api/v1/offers", tags=["waitlist offers"])


@router.get("/{token}", response_model=OfferOut, operation_id="view_offer")
def view(token: str, ctx: PublicContext) -> OfferView:
    return offers.view(ctx, token=token)


@router.post(
    "/{token}/accept", response_model=PatientBookedOut, status_code=201,
    operation_id="accept_offer",
)  # fmt: skip
def accept(token: str, ctx: PublicContext, settings: AppSettings,
           body: OfferAcceptIn | None = None) -> PatientBookedOut:  # fmt: skip
    """Book the held slot; 409 ``offer_taken`` once decided, 410 ``offer_expired`` once its
    time is up."""
    booked = offers.accept(ctx, token=token, escort=body.escort if body else None)
    token_ = booked.manage_token
    return PatientBookedOut(
        appointment=PatientAppointmentOut.model_validate(booked.appointment),
        manage_token=token_, manage_url=manage_links.url(settings.public_url, token_),
    )  # fmt: skip


@router.post("/{token}/decline", response_model=OfferOut, operation_id="decline_offer")
def decline(token: str, ctx: PublicContext) -> OfferView:
    """Let the slot go; your place on the waiting list stays."""
    return offers.decline(ctx, token=token)
