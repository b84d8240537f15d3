"""Notices and staff tasks as staff read them."""

from __future__ import annotations

import uuid
from datetime import datetime

from booking.schemas.fields import OutSchema
from notifications.channels.base import ChannelKind
from scheduler.models import NoticeStatus
from scheduler.rules import Audience, NoticeKind


class NoticeOut(OutSchema):
    id: uuid.UUID
    appointment_id: uuid.UUID
    kind: NoticeKind
    audience: Audience
    channel: ChannelKind | None  # None: a staff task
    recipient: str | None
    due_at: datetime  # in the recipient's zone, with its offset
    status: NoticeStatus
    reason: str | None  # why skipped, withdrawn or failed
    last_error: str | None  # the provider's code
    attempts: int
    sent_at: datetime | None
    subject: str | None  # what was sent (the console channel's messages are read here)
    text: str | None


class TaskOut(OutSchema):
    id: uuid.UUID
    kind: NoticeKind
    due_at: datetime
    appointment_id: uuid.UUID
    patient_initials: str
    status: NoticeStatus
