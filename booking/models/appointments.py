"""Appointments, holds, and the occupancy rows that make double booking impossible.

Every active appointment and live hold owns one ``Occupancy`` row per resource it keeps
busy (its clinician, its room or chair, and for supervised treatments its clinician's
start window). On PostgreSQL an exclusion constraint over those rows is the guarantee;
on SQLite the same check runs inside a ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.setup import Location, str_enum
from core.db import Base, IdMixin
from core.types import EnumText


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class ResourceKind(enum.StrEnum):
    CLINICIAN = "clinician"
    ROOM = "room"
    # A supervised treatment's start: at most one per clinician per start window.
    CLINICIAN_START = "clinician_start"


class BookedBy(enum.StrEnum):
    """Who made the booking: the clinic (staff, or its own jobs) or the patient online."""

    STAFF = "staff"
    PATIENT = "patient"


# Occupancy rows with this share key may overlap each other (a clinician supervising
# several chairs); any other key is unique to its owner, so it overlaps nothing.
SUPERVISION = "supervision"


class Appointment(IdMixin, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        Index(None, "clinician_id", "starts_at"),
        Index(None, "location_id", "starts_at"),
        Index(None, "patient_id", "starts_at"),
        Index(None, "room_id", "starts_at"),  # a room's or chair's calendar feed
    )

    appointment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_types.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    # For its zone in answers; many-to-one by key, so usually read from the identity map.
    location: Mapped[Location] = relationship(viewonly=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinicians.id"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id"))
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("series.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus, "appointment_status"), default=AppointmentStatus.BOOKED
    )
    sequence: Mapped[int] = mapped_column(default=0)  # grows on every change (iCalendar)
    escort_name: Mapped[str | None] = mapped_column(String(200))
    escort_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    gate_override_reason: Mapped[str | None] = mapped_column(String(500))
    booked_by: Mapped[BookedBy] = mapped_column(EnumText(BookedBy, 16))
    checked_in_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]  # the real discharge time
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    late_cancel: Mapped[bool] = mapped_column(default=False)
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    manage_token_expires_at: Mapped[datetime | None]
    # A reply C / CONFIRM / YES: the patient's attendance, and the ride for a visit with an escort.
    attendance_confirmed_at: Mapped[datetime | None]
    ride_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Hold(IdMixin, Base):
    """A slot kept for a few minutes while a patient fills in the form."""

    __tablename__ = "holds"
    __table_args__ = (Index(None, "client_key", "expires_at"),)

    appointment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_types.id"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    # For its zone in answers; many-to-one by key, so usually read from the identity map.
    location: Mapped[Location] = relationship(viewonly=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinicians.id"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    # A keyed hash of the anonymous client's address (NULL for staff), to count live holds.
    client_key: Mapped[str | None] = mapped_column(String(64))


class Occupancy(IdMixin, Base):
    """One resource kept busy over [starts_at, ends_at) by an appointment or a live hold."""

    __tablename__ = "occupancy"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        CheckConstraint("(appointment_id IS NULL) <> (hold_id IS NULL)", name="one_owner"),
        Index(None, "resource_id", "starts_at"),
    )

    resource_kind: Mapped[ResourceKind] = mapped_column(str_enum(ResourceKind, "resource_kind"))
    resource_id: Mapped[uuid.UUID]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    session_start: Mapped[datetime]  # the owner's real start (buffers excluded)
    share_key: Mapped[str] = mapped_column(String(36))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("holds.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime | None]  # copied from the hold; NULL for appointments


class IdempotentRequest(IdMixin, Base):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    scope: Mapped[str] = mapped_column(String(64))  # who may replay it: a staff id or "public"
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
