"""Clinic setup: locations, clinicians, rooms and chairs, appointment types, hours."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, IdMixin


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored as their value in a VARCHAR with a CHECK: portable and readable in SQL."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class RoomKind(enum.StrEnum):
    CONSULT_ROOM = "consult_room"
    TREATMENT_CHAIR = "treatment_chair"


class AppointmentKind(enum.StrEnum):
    CONSULT = "consult"
    FOLLOW_UP = "follow_up"
    IV_INFUSION = "iv_infusion"
    ESKETAMINE = "esketamine"


class Location(IdMixin, Base):
    __tablename__ = "locations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)


clinician_appointment_types = Table(
    "clinician_appointment_types",
    Base.metadata,
    Column("clinician_id", ForeignKey("clinicians.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "appointment_type_id",
        ForeignKey("appointment_types.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Clinician(IdMixin, Base):
    __tablename__ = "clinicians"

    name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100), default="")
    # What patients and the booking page see ("Dr. Maya Okafor, MD"); empty means the name.
    display_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    appointment_types: Mapped[list[AppointmentType]] = relationship(
        secondary=clinician_appointment_types, lazy="raise", order_by="AppointmentType.name"
    )


class Room(IdMixin, Base):
    """A consult room or a treatment chair: whatever a session keeps busy besides a clinician."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[RoomKind] = mapped_column(str_enum(RoomKind, "room_kind"))
    active: Mapped[bool] = mapped_column(default=True)


class AppointmentType(IdMixin, Base):
    """What is booked, for how long, who and what it keeps busy, and the gates before it."""

    __tablename__ = "appointment_types"
    __table_args__ = (
        CheckConstraint("clinician_minutes > 0", name="clinician_minutes_positive"),
        CheckConstraint("room_minutes >= 0", name="room_minutes_not_negative"),
        CheckConstraint("buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers"),
        CheckConstraint("slot_step_minutes > 0", name="slot_step_positive"),
    )

    name: Mapped[str] = mapped_column(String(200), unique=True)
    # What patients, escorts and calendars see: never a drug, treatment or diagnosis.
    public_name: Mapped[str] = mapped_column(String(100))
    # For the patient (booking page, manage link): what the visit is, and how to prepare.
    description: Mapped[str] = mapped_column(String(500), default="")
    preparation: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[AppointmentKind] = mapped_column(str_enum(AppointmentKind, "appointment_kind"))
    clinician_minutes: Mapped[int]
    room_kind: Mapped[RoomKind | None] = mapped_column(str_enum(RoomKind, "room_kind"))
    room_minutes: Mapped[int] = mapped_column(default=0)
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    min_notice_minutes: Mapped[int] = mapped_column(default=12 * 60)
    horizon_days: Mapped[int] = mapped_column(default=90)
    slot_step_minutes: Mapped[int] = mapped_column(default=15)
    online_bookable: Mapped[bool] = mapped_column(default=False)
    requires_consult: Mapped[bool] = mapped_column(default=False)
    requires_consent: Mapped[bool] = mapped_column(default=False)
    requires_rems: Mapped[bool] = mapped_column(default=False)
    requires_escort: Mapped[bool] = mapped_column(default=False)
    # At most this many starts per clinician inside any window of start_window_minutes.
    max_starts_per_window: Mapped[int | None]
    start_window_minutes: Mapped[int] = mapped_column(default=30)
    late_cancel_hours: Mapped[int] = mapped_column(default=24)
    fast_food_minutes: Mapped[int | None]
    fast_liquids_minutes: Mapped[int | None]
    monitoring_form_days: Mapped[int | None]
    # An administrator's notice settings per notice kind, over the scheduler's defaults
    # (booking.notice_rules). Always replaced whole, never changed in place: the setup
    # cache shares this value.
    notice_policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)


class WorkingHours(IdMixin, Base):
    """A weekly rule: clinician works at a location on a weekday between two wall times."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        Index(None, "clinician_id", "weekday"),
    )

    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    weekday: Mapped[int]  # Monday = 0, as date.weekday()
    start_time: Mapped[time]
    end_time: Mapped[time]
    effective_from: Mapped[date | None]
    effective_until: Mapped[date | None]


class DateOverride(IdMixin, Base):
    """Replaces the weekly hours on one date; a row without times means "not working"."""

    __tablename__ = "date_overrides"
    __table_args__ = (
        CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) OR (end_time > start_time)",
            name="times_consistent",
        ),
        Index(None, "clinician_id", "on_date"),
    )

    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    on_date: Mapped[date]
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]


class TimeOff(IdMixin, Base):
    __tablename__ = "time_off"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="end_after_start"),)

    clinician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")


class LocationClosure(IdMixin, Base):
    __tablename__ = "location_closures"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="end_after_start"),)

    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")


class SetupVersion(Base):
    """One row whose counter goes up with every committed setup change (see
    booking.services.reference): the key of each process's cached copy of the setup."""

    __tablename__ = "setup_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
