"""The outbox's short transactions: claim due rows under a lease, and record what happened.

A claim is one write transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
sharing a database take disjoint rows; on SQLite the write session opens with ``BEGIN
IMMEDIATE`` (the single writer) and the locking clause is not rendered. A row whose lease
expired (its worker died mid-send) is claimable again: at-least-once, and the only
duplicates are the claimed messages that went out but were not recorded yet (the one in
flight, and at most the rest of its small group).

Ownership is the owner and the claim's attempt number: a row taken over, even by a worker
with the same id, is never written by the earlier claim. ``held`` reads it for a group
before sending; ``record`` writes a group's outcomes in one transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from notifications.channels.base import ChannelKind
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind

S = NoticeStatus


@dataclass(frozen=True)
class Due:
    """A claimed notice as plain data: what the re-check, the renderer and a channel see."""

    id: uuid.UUID
    appointment_id: uuid.UUID | None  # None: a crisis alert or a staff reply
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
        # Same instant: the order they were planned in (a confirmation before a later reply).
        .order_by(Notice.due_at, Notice.created_at, Notice.id)
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


def held(session: Session, notices: Sequence[Due], worker_id: str) -> set[uuid.UUID]:
    """Which of these rows this worker still holds from this very claim, in one read: not
    withdrawn by a re-plan, not taken over (a new claim changes the owner or the attempt)."""
    claims = {notice.id: notice.attempts for notice in notices}
    rows = session.execute(
        select(Notice.id, Notice.status, Notice.claimed_by, Notice.attempts).where(
            Notice.id.in_(claims)
        )
    )
    return {
        row.id
        for row in rows
        if row.status is S.CLAIMED
        and row.claimed_by == worker_id
        and row.attempts == claims[row.id]
    }


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed notice, waiting to be written with others."""

    notice: Due
    values: dict[str, Any]
    sent: bool = False  # it went out: recorded even if a re-plan withdrew it meanwhile
    failed: bool = False  # permanently: the caller then falls back to another channel
    opted_out: bool = False  # the recipient unsubscribed (Twilio 21610)


@dataclass
class Recorded:
    done: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)  # no longer this worker's row
    later: list[Outcome] = field(default_factory=list)  # locked by another transaction now


def record(
    session: Session, outcomes: Sequence[Outcome], worker_id: str, *, now: datetime,
    wait: bool = False,
) -> Recorded:  # fmt: skip
    """Write outcomes on rows this worker holds from the claim that produced them, in one
    transaction: lock the rows (PostgreSQL; SQLite's writer is alone), keep those still held
    by this claim, then one executemany UPDATE per shape of values. Any other outcome than
    sent leaves a withdrawn row withdrawn. Rows another transaction holds (a re-plan in
    progress) are skipped, not waited for, unless ``wait``: no lock-order deadlock."""
    ids = sorted({o.notice.id for o in outcomes})
    query = (
        select(Notice.id, Notice.status, Notice.claimed_by, Notice.attempts)
        .where(Notice.id.in_(ids))
        .order_by(Notice.id)
        .with_for_update(skip_locked=not wait)
    )
    current = {row.id: row for row in session.execute(query)}
    result = Recorded()
    for outcome in outcomes:
        row = current.get(outcome.notice.id)
        if row is None and not wait:
            result.later.append(outcome)
            continue
        holding = (S.CLAIMED, S.WITHDRAWN) if outcome.sent else (S.CLAIMED,)
        claim = (worker_id, outcome.notice.attempts)
        if row is not None and (row.claimed_by, row.attempts) == claim and row.status in holding:
            result.done.append(outcome)
        else:
            result.refused.append(outcome)
    _write(session, result.done, worker_id, now=now)
    return result


def _write(session: Session, outcomes: Sequence[Outcome], worker_id: str, *, now: datetime) -> None:
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        shape = tuple(sorted(outcome.values))
        params = {f"v_{name}": outcome.values[name] for name in shape}
        params |= {"w_id": outcome.notice.id, "w_attempts": outcome.notice.attempts}
        shapes[shape].append(params)
    notices = cast(Table, Notice.__table__)
    table = notices.c
    for shape, rows in shapes.items():
        values = {name: bindparam(f"v_{name}", type_=table[name].type) for name in shape}
        statement = (
            update(notices)
            .where(table.id == bindparam("w_id"), table.attempts == bindparam("w_attempts"))
            .where(table.claimed_by == worker_id)  # the lock held makes this a formality
            .values(lease_until=None, updated_at=now, **values)
        )
        session.execute(statement, rows)


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
