"""Dispatch in groups on both databases: one read re-checks a group, one write records its
outcomes, and neither loosens what a per-notice pass guaranteed."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.db import Database
from notifications.channels.base import ChannelKind, OutgoingMessage
from scheduler import outbox
from scheduler.dispatch import Check, DispatchReport, DispatchSettings, RateLimiter, dispatch_once
from scheduler.models import Notice, NoticeStatus
from scheduler.outbox import Due
from tests.conftest import BACKENDS
from tests.scheduler.dispatch_helpers import RecordingChannel, add_notice, notice, render
from tests.scheduler.facts_helpers import NOW

S, SMS = NoticeStatus, ChannelKind.SMS
LEASE = timedelta(minutes=5)


def run(
    database: Database, clock: FrozenClock, sms: RecordingChannel, **kwargs: Any
) -> DispatchReport:
    kwargs.setdefault("worker_id", "worker-a")
    kwargs.setdefault("settings", DispatchSettings(lease=LEASE))
    return dispatch_once(database, channels={SMS: sms}, renderer=render, clock=clock, **kwargs)


def numbered(database: Database, count: int) -> list[uuid.UUID]:
    """``count`` notices to distinct numbers, due one second apart (claimed in this order)."""
    return [
        add_notice(
            database, due_at=NOW - timedelta(seconds=count - n), recipient=f"+1617555{n:04d}"
        )
        for n in range(count)
    ]


def test_a_pass_commits_a_few_transactions_per_group_not_two_per_notice(
    database: Database, clock: FrozenClock
) -> None:
    sms = RecordingChannel(SMS)
    ids = numbered(database, 40)
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(database.engine, "commit", committed)
    try:
        settings = DispatchSettings(lease=LEASE, check_group=20)
        report = run(database, clock, sms, batch=40, settings=settings)
    finally:
        event.remove(database.engine, "commit", committed)
    assert report.sent == len(sms.sent) == 40
    # The claim; per group one read; the first group's outcomes before the second's
    # check; the rest at the end. A pass per notice committed 1 + 2 * 40.
    assert len(commits) == 1 + 2 + 1 + 1
    assert {notice(database, nid).status for nid in ids} == {S.SENT}


def test_one_group_recorded_together_refuses_only_the_row_taken_over(
    database: Database, clock: FrozenClock
) -> None:
    first, second, third = numbered(database, 3)
    sms = RecordingChannel(SMS)

    def lease_runs_out(message: OutgoingMessage) -> None:
        sms.during_send = None
        clock.advance(LEASE + timedelta(minutes=1))  # the provider hangs on the first text
        assert run(database, clock, sms, worker_id="worker-b", batch=1).sent == 1

    sms.during_send = lease_runs_out
    report = run(database, clock, sms, batch=3)
    assert (report.sent, report.lost) == (3, 1)
    owners = {nid: (notice(database, nid).status, notice(database, nid).claimed_by)
              for nid in (first, second, third)}  # fmt: skip
    assert owners == {
        first: (S.SENT, "worker-b"), second: (S.SENT, "worker-a"), third: (S.SENT, "worker-a"),
    }  # fmt: skip
    assert notice(database, first).provider_id == "sms-1"  # worker-b sent first: not overwritten
    assert len(sms.sent) == 4  # the duplicate at-least-once allows: the one in flight


def test_a_lease_that_ran_out_mid_group_is_checked_again_before_the_next_send(
    database: Database, clock: FrozenClock
) -> None:
    first, second, third = numbered(database, 3)
    sms = RecordingChannel(SMS)

    def lease_runs_out(message: OutgoingMessage) -> None:
        sms.during_send = None
        clock.advance(LEASE + timedelta(minutes=1))
        assert run(database, clock, sms, worker_id="worker-b", batch=2).sent == 2

    sms.during_send = lease_runs_out
    report = run(database, clock, sms, batch=3)
    assert (report.sent, report.lost) == (2, 2)  # the first (in flight) and the second
    # The duplicate at-least-once allows (the one in flight), and no other.
    assert Counter(m.to for m in sms.sent) == {
        "+16175550000": 2,
        "+16175550001": 1,
        "+16175550002": 1,
    }
    assert {notice(database, nid).claimed_by for nid in (first, second)} == {"worker-b"}
    assert (notice(database, third).status, notice(database, third).claimed_by) == (
        S.SENT, "worker-a",
    )  # fmt: skip


def test_a_withdrawal_while_the_rate_limiter_waits_is_seen_before_sending(
    database: Database, clock: FrozenClock
) -> None:
    first, second = numbered(database, 2)
    sms = RecordingChannel(SMS)
    elapsed = [0.0]

    def sleep(seconds: float) -> None:
        """The one-per-second limit holds the second text back; meanwhile it is withdrawn."""
        with database.session() as session:
            row = session.get(Notice, second)
            assert row is not None
            row.status = S.WITHDRAWN
        elapsed[0] += seconds

    limiter = RateLimiter(1, sleep=sleep, monotonic=lambda: elapsed[0])
    report = run(database, clock, sms, limiter=limiter, monotonic=lambda: elapsed[0])
    assert (report.sent, report.lost) == (1, 1)
    assert [m.idempotency_key for m in sms.sent] == [notice(database, first).key]
    assert notice(database, second).status is S.WITHDRAWN


def test_a_recipients_second_notice_is_checked_after_the_first_is_recorded(
    database: Database, clock: FrozenClock
) -> None:
    """A re-check may ask what was sent to a number already (its first text's wording)."""
    for _ in range(3):
        add_notice(database, recipient="+16175550101")
    sms = RecordingChannel(SMS)
    seen: list[int] = []

    def count_sent(session: Session, notice: Due) -> Check:
        sent = select(Notice.id).where(
            Notice.recipient == notice.recipient, Notice.status == S.SENT
        )
        seen.append(len(session.scalars(sent).all()))
        return Check(ok=True)

    assert run(database, clock, sms, recheck=count_sent).sent == 3
    assert seen == [0, 1, 2]


def test_an_outcome_from_an_earlier_claim_by_the_same_worker_is_refused(
    database: Database, clock: FrozenClock
) -> None:
    """A restarted process with the same worker id re-claims; the old claim's result loses."""
    nid = add_notice(database)
    with database.session() as session:
        (old,) = outbox.claim(session, now=NOW, batch=1, worker_id="same", lease=LEASE)
    later = NOW + LEASE + timedelta(minutes=1)
    with database.session() as session:
        (new,) = outbox.claim(session, now=later, batch=1, worker_id="same", lease=LEASE)
    assert (old.attempts, new.attempts) == (1, 2)
    stale = outbox.Outcome(old, {"status": S.PENDING, "due_at": later}, sent=False)
    with database.session() as session:
        recorded = outbox.record(session, [stale], "same", now=later)
    assert (recorded.done, recorded.refused) == ([], [stale])
    sent = outbox.Outcome(new, {"status": S.SENT, "provider_id": "sms-9"}, sent=True)
    with database.session() as session:
        assert outbox.record(session, [sent], "same", now=later).done == [sent]
    row = notice(database, nid)
    assert (row.status, row.provider_id, row.lease_until) == (S.SENT, "sms-9", None)


# Row locks are PostgreSQL's; SQLite's one writer waits its turn instead.
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_row_another_transaction_holds_is_left_for_the_next_write(database: Database) -> None:
    nid = add_notice(database)
    with database.session() as session:
        (due,) = outbox.claim(session, now=NOW, batch=1, worker_id="w", lease=LEASE)
    outcome = outbox.Outcome(due, {"status": S.SENT, "provider_id": "sms-1"}, sent=True)
    with database.session() as replanning:  # a re-plan holds the row while we record
        replanning.execute(select(Notice.id).where(Notice.id == nid).with_for_update())
        with database.session() as session:
            recorded = outbox.record(session, [outcome], "w", now=NOW)
        assert (recorded.done, recorded.later) == ([], [outcome])
    with database.session() as session:
        assert outbox.record(session, [outcome], "w", now=NOW).done == [outcome]
    assert notice(database, nid).status is S.SENT
