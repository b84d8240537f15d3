"""The staff inbox: texts patients and escorts sent, as staff read them."""

from __future__ import annotations

import enum
import uuid

from pydantic import Field, field_validator

from booking.models import Sender
from booking.schemas.fields import Instant, OutSchema, Schema
from notifications.inbound import Intent


class InboxState(enum.StrEnum):
    UNREAD = "unread"  # nobody has handled it yet
    HANDLED = "handled"


class AlertState(enum.StrEnum):
    """Where the on-call email about an urgent text stands."""

    PENDING = "pending"  # queued or being retried
    SENT = "sent"  # the mail server took it
    FAILED = "failed"  # it will not go: the inbox is the only alarm left
    INBOX_ONLY = "inbox_only"  # no on-call address is set


class InboxMessageOut(OutSchema):
    id: uuid.UUID
    received_at: Instant
    from_number: str
    body: str
    intent: Intent
    urgent: bool  # crisis words: first in the list until handled
    alert: AlertState | None = Field(
        description="an urgent text's on-call email: pending, sent, failed (such a text is "
        "listed first of all) or inbox_only; null for a text that is not urgent"
    )
    sender: Sender  # shared: a number two patients share, staff choose
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    action: str  # what the reply did: confirmed, opted_out, link_sent, for_staff ...
    answer: str | None  # what we texted back
    state: InboxState
    handled_at: Instant | None
    handled_by: uuid.UUID | None


class ReplyIn(Schema):
    """A staff member's text to the patient, sent by SMS as written."""

    text: str = Field(min_length=1, max_length=1000)
    # Needed to send inside the patient's quiet hours; kept in the audit trail.
    quiet_hours_reason: str | None = Field(default=None, max_length=500)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write something to send")
        return value.strip()


class Direction(enum.StrEnum):
    IN = "in"  # the patient (or their number) texted us
    OUT = "out"  # a staff reply


class ConversationEntryOut(OutSchema):
    id: uuid.UUID
    direction: Direction
    at: Instant
    body: str
    number: str  # who sent it (in), or where it went (out)
    patient_id: uuid.UUID | None
    in_reply_to: uuid.UUID | None  # the inbound text a reply answers
    sent_by: uuid.UUID | None
    # in: unread or handled; out: the send's state (pending, sent, delivered, failed, skipped)
    status: str
    quiet_hours_reason: str | None
    urgent: bool
