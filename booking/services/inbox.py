"""The staff inbox: every inbound text, urgent ones first (those whose on-call email failed
first of all), and marking one handled."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, select

from booking.models import InboundMessage
from booking.schemas.inbox import AlertState, InboxState
from booking.services.audit import update_audited
from booking.services.context import Context
from booking.services.manage_links import hidden_in
from scheduler.models import Notice, NoticeStatus

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


# An alert failed, skipped or withdrawn will not go: FAILED.
_ALERT_STATES = {
    NoticeStatus.PENDING: AlertState.PENDING, NoticeStatus.CLAIMED: AlertState.PENDING,
    NoticeStatus.SENT: AlertState.SENT, NoticeStatus.DELIVERED: AlertState.SENT,
}  # fmt: skip


def _alert_key(message_id: uuid.UUID) -> str:
    return f"inbound/{message_id}/crisis_alert"  # as message_notices.queue_crisis_alert keys it


def _alerts(ctx: Context, messages: list[InboundMessage]) -> dict[uuid.UUID, AlertState]:
    """The on-call email's state for each urgent message (one read for the page)."""
    keys = {_alert_key(m.id): m.id for m in messages if m.urgent}
    if not keys:
        return {}
    found = ctx.session.execute(select(Notice.key, Notice.status).where(Notice.key.in_(keys)))
    states = {keys[row.key]: _ALERT_STATES.get(row.status, AlertState.FAILED) for row in found}
    return {id_: states.get(id_, AlertState.INBOX_ONLY) for id_ in keys.values()}


def shown(message: InboundMessage, alert: AlertState | None = None) -> dict[str, Any]:
    answer = {name: getattr(message, name) for name in _FIELDS}
    answer["answer"] = hidden_in(message.answer)
    answer["state"] = InboxState.HANDLED if message.handled_at else InboxState.UNREAD
    answer["alert"] = alert
    return answer


def _first(message: InboundMessage, alert: AlertState | None) -> bool:
    """An unhandled urgent text whose on-call email failed: nobody on call was told."""
    return message.handled_at is None and alert is AlertState.FAILED


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
    messages = list(ctx.session.scalars(query))
    alerts = _alerts(ctx, messages)
    # Stable: within each group the database's order holds.
    messages.sort(key=lambda m: not _first(m, alerts.get(m.id)))
    return [shown(message, alerts.get(message.id)) for message in messages]


def mark_handled(ctx: Context, *, message_id: uuid.UUID) -> dict[str, Any]:
    """Staff have seen to it (audited); marking it again changes nothing."""
    message = ctx.get(InboundMessage, message_id, "message")
    if message.handled_at is None:
        update_audited(
            ctx, message, {"handled_at": ctx.now, "handled_by": ctx.actor.id},
            action="inbound.handled", patient_id=message.patient_id,
            appointment_id=message.appointment_id,
        )  # fmt: skip
    return shown(message, _alerts(ctx, [message]).get(message.id))
