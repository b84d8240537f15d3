"""Calendar feeds: a secret URL per clinician, room or chair, or location.

Only the token's hash is kept. Rotating replaces the hash (the old URL stops at once);
revoking stamps ``revoked_at`` and the feed answers 404 from then on.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.setup import str_enum
from core.db import Base, IdMixin


class FeedKind(enum.StrEnum):
    CLINICIAN = "clinician"
    ROOM = "room"
    LOCATION = "location"


class CalendarFeed(IdMixin, Base):
    __tablename__ = "calendar_feeds"

    kind: Mapped[FeedKind] = mapped_column(str_enum(FeedKind, "feed_kind"))
    subject_id: Mapped[uuid.UUID]  # the clinician, room or location the feed shows
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
