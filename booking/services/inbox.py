"""The staff inbox: every inbound text, urgent ones first, and marking one handled."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, select

from booking.models import InboundMessage
from booking.schemas.inbox import InboxState
from booking.services.audit import update_audited
from booking.services.context import Context
from booking.services.manage_links import hidden_in

# Urgent and unhandled first (a handled crisis must not push new texts off the page), then
# unread before handled, newest first within each.
_ORDER = (
    and_(InboundMessage.urgent, InboundMessage.handled_at.is_(None)).desc(),
    InboundMessage.handled_at.is_not(None),
    InboundMessage.received_at.desc(),
    InboundMessage.id,
)
_FIELDS = (
    "id", "received_at", "from_number", "body", "intent", "urgent", "sender", "patient_id",
    "appointment_id", "action", "answer", "handled_at", "handled_by",
)  # fmt: skip


def shown(message: InboundMessage) -> dict[str, Any]:
    answer = {name: getattr(message, name) for name in _FIELDS}
    answer["answer"] = hidden_in(message.answer)
    answer["state"] = InboxState.HANDLED if message.handled_at else InboxState.UNREAD
    return answer


def list_inbox(
    ctx: Context, *, state: InboxState | None = None, patient_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:  # fmt: skip
    """The inbox, or one state of it, or one patient's conversation."""
    query = select(InboundMessage).order_by(*_ORDER).limit(limit)
    if state is InboxState.UNREAD:
        query = query.where(InboundMessage.handled_at.is_(None))
    elif state is InboxState.HANDLED:
        query = query.where(InboundMessage.handled_at.is_not(None))
    if patient_id is not None:
        query = query.where(InboundMessage.patient_id == patient_id)
    return [shown(message) for message in ctx.session.scalars(query)]


def mark_handled(ctx: Context, *, message_id: uuid.UUID) -> dict[str, Any]:
    """Staff have seen to it (audited); marking it again changes nothing."""
    message = ctx.get(InboundMessage, message_id, "message")
    if message.handled_at is None:
        update_audited(
            ctx, message, {"handled_at": ctx.now, "handled_by": ctx.actor.id},
            action="inbound.handled", patient_id=message.patient_id,
            appointment_id=message.appointment_id,
        )  # fmt: skip
    return shown(message)
