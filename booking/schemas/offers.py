"""A waitlist offer as its patient sees it, and what taking it may carry."""

from __future__ import annotations

from pydantic import Field

from booking.schemas.appointments import EscortIn
from booking.schemas.fields import Instant, LocalTimes, Schema


class OfferOut(LocalTimes):
    status: str = Field(description="offered, accepted, declined or expired")
    starts_at: Instant
    expires_at: Instant = Field(description="the slot is held for the patient until then")
    visit_name: str
    location_name: str
    location_address: str


class OfferAcceptIn(Schema):
    escort: EscortIn | None = Field(
        default=None, description="the adult taking the patient home, for a treatment session"
    )
