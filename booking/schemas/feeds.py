"""Calendar feeds as staff see them: which calendar, whose, since when; the URL only once."""

from __future__ import annotations

import uuid

from pydantic import Field

from booking.models import FeedKind
from booking.schemas.fields import Instant, OutSchema, Schema


class FeedIn(Schema):
    kind: FeedKind
    subject_id: uuid.UUID | None = Field(
        default=None,
        description="the clinician, room or location; left out, a clinician's own calendar",
    )


class FeedOut(OutSchema):
    id: uuid.UUID
    kind: FeedKind
    subject_id: uuid.UUID
    name: str = Field(description="the calendar's name in the app")
    owner_id: uuid.UUID
    created_at: Instant
    rotated_at: Instant | None
    revoked_at: Instant | None


class AppSteps(OutSchema):
    app: str
    address: str = Field(description="which address to paste: webcal or https")
    steps: str


class Subscribing(OutSchema):
    apps: list[AppSteps]
    secret: str = Field(description="why the address must be kept like a password")


class FeedIssued(FeedOut):
    """The feed's secret address: shown in this answer only, never again."""

    token: str
    https_url: str
    webcal_url: str
    subscribing: Subscribing
