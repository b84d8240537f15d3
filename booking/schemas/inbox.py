"""The staff inbox: texts patients and escorts sent, as staff read them."""

from __future__ import annotations

import enum
import uuid

from booking.models import Sender
from booking.schemas.fields import Instant, OutSchema
from notifications.inbound import Intent


class InboxState(enum.StrEnum):
    UNREAD = "unread"  # nobody has handled it yet
    HANDLED = "handled"


class InboxMessageOut(OutSchema):
    id: uuid.UUID
    received_at: Instant
    from_number: str
    body: str
    intent: Intent
    urgent: bool  # crisis words: first in the list until handled
    sender: Sender  # shared: a number two patients share, staff choose
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    action: str  # what the reply did: confirmed, opted_out, link_sent, for_staff ...
    answer: str | None  # what we texted back
    state: InboxState
    handled_at: Instant | None
    handled_by: uuid.UUID | None
