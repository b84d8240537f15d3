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
    MATCHED = "matched"  # a freed slot that fits is offered to the patient (see its offers)
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
    # Newest first: the answer shows the latest offer (loaded with the entries, in one
    # more query for all of them, never one per entry).
    offers: Mapped[list[WaitlistOffer]] = relationship(
        viewonly=True, order_by=lambda: WaitlistOffer.created_at.desc(), lazy="selectin"
    )

    @property
    def offer(self) -> WaitlistOffer | None:
        """The latest offer made to this entry (staff see its state on the waitlist)."""
        return self.offers[0] if self.offers else None

    @property
    def offered_at(self) -> datetime | None:
        return self.offer.created_at if self.offer else None

    @property
    def offer_expires_at(self) -> datetime | None:
        return self.offer.expires_at if self.offer else None

    @property
    def offer_channel(self) -> str | None:
        return self.offer.channel if self.offer else None

    @property
    def offer_status(self) -> str | None:
        return self.offer.status.value if self.offer else None


class OfferStatus(enum.StrEnum):
    OFFERED = "offered"  # the slot is held for the patient until ``expires_at``
    ACCEPTED = "accepted"  # booked: ``appointment_id``
    DECLINED = "declined"
    EXPIRED = "expired"  # not taken in time; the slot went on to the next entry
    WITHDRAWN = "withdrawn"  # the entry left the waitlist while offered; the slot went on


class WaitlistOffer(IdMixin, Base):
    """One freed slot offered to one waiting patient, through a secret link (stored hashed)
    and a hold on the slot: the hold is what keeps a second patient from being offered it."""

    __tablename__ = "waitlist_offers"
    __table_args__ = (Index(None, "status", "expires_at"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waitlist_entries.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    appointment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_types.id"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    location: Mapped[Location] = relationship(viewonly=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinicians.id"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id"))
    starts_at: Mapped[datetime]
    # The hold goes when the offer is decided (or with its expiry), the offer stays.
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("holds.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(String(16))  # sms | email; None: staff call
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.OFFERED
    )
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
