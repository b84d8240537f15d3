"""The outbox: one row per notice, written in the booking change's own transaction.

``appointment_id`` is a plain UUID: booking owns appointments, and the scheduler reads
nothing of theirs. It is None for a notice a text message caused (a crisis alert to the
on-call address, a staff reply): those carry what they are about in ``context``.
A row's ``key`` is its idempotency key (appointment, kind, audience, sequence); a staff
task (the REMS form) is a row with no channel that is never sent.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin
from notifications.channels.base import ChannelKind
from scheduler.rules import Audience, NoticeKind


class NoticeStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for due_at (or, for a staff task, open)
    CLAIMED = "claimed"  # a dispatcher holds it until lease_until
    SENT = "sent"
    DELIVERED = "delivered"  # the provider confirmed it
    FAILED = "failed"  # permanently, or retries ran out, or no usable channel
    SKIPPED = "skipped"  # nothing was sent, on purpose: ``reason`` says why
    WITHDRAWN = "withdrawn"  # the appointment changed before it went out


def _str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Stored as its value in a VARCHAR with a CHECK, like booking's enums."""
    return Enum(
        enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
        values_callable=lambda members: [m.value for m in members],
    )  # fmt: skip


class Notice(IdMixin, Base):
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_due_at", "status", "due_at"),)

    appointment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[NoticeKind] = mapped_column(_str_enum(NoticeKind, "notice_kind"))
    audience: Mapped[Audience] = mapped_column(_str_enum(Audience, "notice_audience"))
    channel: Mapped[ChannelKind | None] = mapped_column(_str_enum(ChannelKind, "notice_channel"))
    recipient: Mapped[str | None] = mapped_column(String(254))
    zone: Mapped[str] = mapped_column(String(64))
    moment_at: Mapped[datetime]  # what the rule named, before catch-up and quiet hours
    due_at: Mapped[datetime]
    send_before: Mapped[datetime | None]
    status: Mapped[NoticeStatus] = mapped_column(
        _str_enum(NoticeStatus, "notice_status"), default=NoticeStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(String(64))  # why skipped, withdrawn or failed
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(64))  # the provider's code
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))  # what was sent
    text: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict[str, Any]]  # what the templates may say, plain data
    fallbacks: Mapped[dict[str, Any]]  # {"channels": [[channel, recipient], ...]}
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
