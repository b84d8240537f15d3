"""Treatment series (an induction booked as one unit) and the waitlist."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.setup import Location, str_enum
from core.db import Base, IdMixin


class Series(IdMixin, Base):
    __tablename__ = "series"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_types.id"))
    protocol: Mapped[str] = mapped_column(String(40))
    min_gap_hours: Mapped[int]  # sessions of the series stay at least this far apart
    created_at: Mapped[datetime]


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    MATCHED = "matched"  # a slot freed up that fits; the front desk (later a text) offers it
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"


class WaitlistEntry(IdMixin, Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("latest >= earliest", name="window_order"),
        Index(None, "appointment_type_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_types.id"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    # For its zone in answers; many-to-one by key, so usually read from the identity map.
    location: Mapped[Location] = relationship(viewonly=True)
    clinician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("clinicians.id"))
    earliest: Mapped[date]  # local dates at the location, inclusive
    latest: Mapped[date]
    status: Mapped[WaitlistStatus] = mapped_column(
        str_enum(WaitlistStatus, "waitlist_status"), default=WaitlistStatus.WAITING
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    matched_at: Mapped[datetime | None]
    matched_starts_at: Mapped[datetime | None]
    matched_clinician_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
