"""The outbox's short transactions: claim due rows under a lease, and record what happened.

A claim is one write transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
sharing a database take disjoint rows; on SQLite the write session opens with ``BEGIN
IMMEDIATE`` (the single writer) and the locking clause is not rendered. A row whose lease
expired (its worker died mid-send) is claimable again: at-least-once, and the only
duplicate is the message that was in flight.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from notifications.channels.base import ChannelKind
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind

S = NoticeStatus


@dataclass(frozen=True)
class Due:
    """A claimed notice as plain data: what the re-check, the renderer and a channel see."""

    id: uuid.UUID
    appointment_id: uuid.UUID
    key: str
    kind: NoticeKind
    audience: Audience
    channel: ChannelKind
    recipient: str
    zone: str
    due_at: datetime
    send_before: datetime | None
    attempts: int  # including this one
    context: dict[str, Any]
    fallbacks: tuple[tuple[ChannelKind, str], ...]


def claim(
    session: Session, *, now: datetime, batch: int, worker_id: str, lease: timedelta
) -> list[Due]:
    """Take up to ``batch`` due rows (and rows whose lease expired) for ``worker_id``."""
    due = or_(
        and_(Notice.status == S.PENDING, Notice.due_at <= now),
        and_(Notice.status == S.CLAIMED, Notice.lease_until < now),
    )
    query = (
        select(Notice)
        .where(due, Notice.channel.is_not(None), Notice.recipient.is_not(None))
        .order_by(Notice.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    for row in rows:
        row.status, row.claimed_by, row.lease_until = S.CLAIMED, worker_id, now + lease
        row.attempts += 1
        row.updated_at = now
    session.flush()
    return [_due(row) for row in rows]


def _due(row: Notice) -> Due:
    # The claim's filter: a claimed row has a channel and a recipient.
    channel, recipient = cast(ChannelKind, row.channel), cast(str, row.recipient)
    fallbacks = tuple((ChannelKind(c), str(to)) for c, to in row.fallbacks.get("channels", []))
    return Due(
        id=row.id, appointment_id=row.appointment_id, key=row.key, kind=row.kind,
        audience=row.audience, channel=channel, recipient=recipient, zone=row.zone,
        due_at=row.due_at, send_before=row.send_before, attempts=row.attempts,
        context=dict(row.context), fallbacks=fallbacks,
    )  # fmt: skip


def still_mine(session: Session, notice: Due, worker_id: str) -> bool:
    """The row is still claimed by this worker: no re-plan withdrew it, no one took it over."""
    status, owner = session.execute(
        select(Notice.status, Notice.claimed_by).where(Notice.id == notice.id)
    ).one()
    return bool(status is S.CLAIMED and owner == worker_id)


def finish(
    session: Session, notice: Due, worker_id: str, *, now: datetime, sent: bool = False,
    **values: Any,
) -> bool:  # fmt: skip
    """Record an outcome on a row this worker holds. A sent message is recorded even when a
    re-plan withdrew it meanwhile (it did go out); any other outcome leaves a withdrawn row
    withdrawn. False when the row is no longer this worker's."""
    holding = [S.CLAIMED, S.WITHDRAWN] if sent else [S.CLAIMED]
    result = session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.claimed_by == worker_id)
        .where(Notice.status.in_(holding))
        .values(lease_until=None, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def add_fallback(session: Session, notice: Due, *, now: datetime) -> Notice | None:
    """Queue the same notice on the next consented channel, due now (None: there is none)."""
    others = [(c, to) for c, to in notice.fallbacks if c is not notice.channel]
    if not others:
        return None
    (channel, recipient), rest = others[0], others[1:]
    key = f"{notice.key}/{channel.value}"
    if session.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return None
    original = session.get(Notice, notice.id)
    if original is None:
        return None
    row = Notice(
        appointment_id=notice.appointment_id, key=key, kind=notice.kind,
        audience=notice.audience, channel=channel, recipient=recipient, zone=notice.zone,
        moment_at=original.moment_at, due_at=now, send_before=notice.send_before,
        status=S.PENDING, attempts=0, context=notice.context,
        fallbacks={"channels": [[c.value, to] for c, to in rest]},
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row
