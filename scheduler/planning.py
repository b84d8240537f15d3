"""The one entry point booking calls on every appointment change: the outbox follows the book.

Runs inside the caller's transaction and only flushes. Pending notices the policy no longer
plans are withdrawn; a planned key already in the outbox is updated while pending and left
alone once handled; a notice already sent for the same moment is not planned again (a
check-in and its undoing must not repeat a pickup text). Sent rows are never touched.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Insert, insert, select
from sqlalchemy.orm import Session

from core.clock import SystemClock
from core.json_rows import insert_from_json, json_text
from scheduler.facts import AppointmentFacts
from scheduler.models import Notice, NoticeStatus
from scheduler.policy import PlannedNotice, PlannedStatus, context_of, notices_for
from scheduler.rules import DEFAULT_POLICY, Audience, NoticeKind, NoticePolicy

S = NoticeStatus
OPEN = frozenset({S.PENDING, S.CLAIMED})  # a claimed row is re-checked before it is sent
HANDLED = frozenset({S.CLAIMED, S.SENT, S.DELIVERED})
WITHDRAWN_REASON = "replanned"


def plan(
    session: Session,
    facts: AppointmentFacts,
    *,
    now: datetime | None = None,
    policy: NoticePolicy = DEFAULT_POLICY,
) -> int:
    """Replace the appointment's open notices with what the policy plans now.

    Returns how many notices are pending afterwards. ``now`` should be the change's own
    instant (the request's clock); without it the system clock is read. An appointment
    created in this transaction has no notices to read: see :func:`fresh_rows`.
    """
    now = now or SystemClock().now()
    planned = notices_for(facts, policy, now=now)
    existing = _existing(session, facts.appointment_id)
    by_key = {row.key: row for row in existing} | _series_rows(session, planned, existing)
    handled = {(r.kind, r.audience, r.moment_at) for r in existing if r.status in HANDLED}
    context = _context(facts, existing, now)
    for notice in planned:
        row = by_key.get(notice.key)
        if row is None and not _already_sent(notice, handled):
            row = Notice(appointment_id=facts.appointment_id, key=notice.key, attempts=0)
            row.created_at = now
            session.add(row)
            by_key[notice.key] = row
            _fill(row, notice, context, now)
        elif (
            row is not None
            and row.status is S.PENDING
            and row.appointment_id == facts.appointment_id
        ):
            # A series' confirmation stays as its first session planned it (its time, link
            # and invite); the later sessions only find it there.
            _fill(row, notice, context, now)
    kept = {notice.key for notice in planned}
    # A claimed row for a moment still planned is in flight and was not planned again
    # (``_already_sent``): withdrawing it would lose that notice.
    carried = {
        (p.kind, p.audience, p.moment_at) for p in planned if p.status is PlannedStatus.PENDING
    }
    for row in existing:
        if row.status in OPEN and row.key not in kept:
            if row.status is S.CLAIMED and (row.kind, row.audience, row.moment_at) in carried:
                continue
            row.status, row.reason, row.updated_at = S.WITHDRAWN, WITHDRAWN_REASON, now
    session.flush()
    return sum(
        1
        for row in by_key.values()
        if row.appointment_id == facts.appointment_id and row.status is S.PENDING
    )


def _existing(session: Session, appointment_id: uuid.UUID) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.appointment_id == appointment_id)))


def _series_rows(
    session: Session, planned: list[PlannedNotice], existing: list[Notice]
) -> dict[str, Notice]:
    """A series' one confirmation is keyed by the series and may have been planned already,
    by an earlier session's appointment."""
    known = {row.key for row in existing}
    foreign = [p.key for p in planned if p.key.startswith("series:") and p.key not in known]
    if not foreign:
        return {}
    return {r.key: r for r in session.scalars(select(Notice).where(Notice.key.in_(foreign)))}


def _context(facts: AppointmentFacts, existing: list[Notice], now: datetime) -> dict[str, Any]:
    """The facts as templates read them. What a re-plan of the same version does not know
    is kept from that version's rows: the manage link (shown once, at booking, and kept by
    later changes) and the time a reschedule replaced."""
    context = context_of(facts)
    context["planned_at"] = now.isoformat()  # the invite's DTSTAMP
    if not context["manage_path"]:
        context["manage_path"] = next(
            (r.context["manage_path"] for r in existing if r.context.get("manage_path")), None
        )
    if not context["previous_starts_at"]:
        same = (r for r in existing if r.context.get("sequence") == facts.sequence)
        context["previous_starts_at"] = next(
            (r.context["previous_starts_at"] for r in same if r.context.get("previous_starts_at")),
            None,
        )
    return context


def fresh_rows(
    session: Session, facts: AppointmentFacts, *, now: datetime, policy: NoticePolicy
) -> list[dict[str, Any]]:
    """A new appointment's notices as rows to insert, with no ORM objects (nothing in the
    transaction reads them back): for an appointment created in this transaction, which has
    no notices yet. The caller writes them, with :func:`insert_rows` or in the statement
    that writes the appointment (:func:`rows_from_json`). A series' confirmation already
    planned by an earlier session stays as that session planned it, as in :func:`plan`."""
    planned = notices_for(facts, policy, now=now)
    taken = _series_rows(session, planned, [])
    context = _context(facts, [], now)
    return [
        {**_values(notice, context, now), "appointment_id": facts.appointment_id, "key": notice.key}
        for notice in planned
        if notice.key not in taken
    ]


def insert_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """On PostgreSQL the rows go as one JSON parameter of one short statement: psycopg's
    executemany pipelines a round of dumping per row, and a multi-row VALUES is neither
    cached by SQLAlchemy nor, past 4,096 characters, by psycopg."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(Notice), rows)
        return
    connection.execute(rows_from_json(tuple(rows[0])), json_rows(rows))


def json_rows(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The parameter of :func:`rows_from_json`."""
    return {ROWS_PARAMETER: json_text(rows)}


ROWS_PARAMETER = "notice_rows"


@lru_cache(maxsize=4)
def rows_from_json(columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: the INSERT of notice rows given as one JSON parameter (:func:`json_rows`)."""
    return insert_from_json(Notice, columns, ROWS_PARAMETER)


def _already_sent(
    notice: PlannedNotice, handled: set[tuple[NoticeKind, Audience, datetime]]
) -> bool:
    moment = (notice.kind, notice.audience, notice.moment_at)
    return notice.status is PlannedStatus.PENDING and moment in handled


def _values(notice: PlannedNotice, context: dict[str, object], now: datetime) -> dict[str, Any]:
    """Every column a new notice row gets from its plan (the same set for every row, as an
    single statement needs)."""
    return {
        "id": uuid.uuid4(), "kind": notice.kind, "audience": notice.audience,
        "channel": notice.channel, "recipient": notice.to, "zone": notice.zone,
        "moment_at": notice.moment_at, "due_at": notice.due_at,
        "send_before": notice.send_before, "status": NoticeStatus(notice.status.value),
        "reason": notice.reason.value if notice.reason else None, "attempts": 0,
        "context": dict(context),
        "fallbacks": {"channels": [[channel.value, to] for channel, to in notice.fallbacks]},
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _fill(row: Notice, notice: PlannedNotice, context: dict[str, object], now: datetime) -> None:
    row.kind, row.audience, row.channel = notice.kind, notice.audience, notice.channel
    row.recipient, row.zone = notice.to, notice.zone
    row.moment_at, row.due_at, row.send_before = notice.moment_at, notice.due_at, notice.send_before
    row.status = NoticeStatus(notice.status.value)
    row.reason = notice.reason.value if notice.reason else None
    row.context = dict(context)
    row.fallbacks = {"channels": [[channel.value, to] for channel, to in notice.fallbacks]}
    row.updated_at = now
