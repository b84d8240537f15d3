"""Text messages patients and escorts send us: every one stored, matched and, once staff
have seen to it, marked handled."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.setup import str_enum
from core.db import Base, IdMixin
from notifications.inbound import Intent


class Sender(enum.StrEnum):
    PATIENT = "patient"
    ESCORT = "escort"
    SHARED = "shared"  # a number two patients share: staff choose, we never guess
    UNKNOWN = "unknown"


class InboundMessage(IdMixin, Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (Index(None, "urgent", "handled_at", "received_at"),)

    message_sid: Mapped[str] = mapped_column(String(64), unique=True)  # a replay finds it
    from_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    intent: Mapped[Intent] = mapped_column(str_enum(Intent, "inbound_intent"))
    urgent: Mapped[bool]  # crisis words: at the top of the inbox
    sender: Mapped[Sender] = mapped_column(str_enum(Sender, "inbound_sender"))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
    action: Mapped[str] = mapped_column(String(32))  # what we did about it
    answer: Mapped[str | None] = mapped_column(Text)  # what we texted back, replayed as is
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))


class StaffReply(IdMixin, Base):
    """A staff member's free-text SMS to a patient: the other half of the conversation.
    Sent through the outbox as the notice keyed ``reply/{id}`` (its status is the send's)."""

    __tablename__ = "staff_replies"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    inbound_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inbound_messages.id"))
    to_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    quiet_hours_reason: Mapped[str | None] = mapped_column(String(500))  # sent inside them
