"""Dispatch on both databases: send, retry with backoff, fail over, re-check, leases."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.db import Database
from notifications.channels.base import ChannelKind, PermanentFailure, TransientFailure
from scheduler.dispatch import (
    Check,
    DispatchReport,
    DispatchSettings,
    RateLimiter,
    dispatch_once,
)
from scheduler.models import Notice, NoticeStatus
from scheduler.outbox import Due
from scheduler.rules import NoticeKind
from tests.scheduler.dispatch_helpers import (
    RecordingChannel,
    add_notice,
    all_notices,
    notice,
    render,
)
from tests.scheduler.facts_helpers import NOW

S, SMS, EMAIL = NoticeStatus, ChannelKind.SMS, ChannelKind.EMAIL


@pytest.fixture
def sms() -> RecordingChannel:
    return RecordingChannel(SMS)


@pytest.fixture
def email() -> RecordingChannel:
    return RecordingChannel(EMAIL)


def run(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel,
    **kwargs: Any,
) -> DispatchReport:  # fmt: skip
    kwargs.setdefault("worker_id", "worker-a")
    kwargs.setdefault("rng", lambda: 1.0)  # the top of the jitter range: exact delays
    return dispatch_once(
        database, channels={SMS: sms, EMAIL: email}, renderer=render, clock=clock, **kwargs
    )


def test_due_notices_are_sent_and_recorded_and_others_wait(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    due = add_notice(database)
    later = add_notice(database, due_at=NOW + timedelta(minutes=1))
    task = add_notice(database, kind=NoticeKind.REMS_FORM, channel=None)
    report = run(database, clock, sms, email)
    assert (report.claimed, report.sent) == (1, 1)
    sent = notice(database, due)
    assert (sent.status, sent.provider_id, sent.attempts, sent.sent_at) == (S.SENT, "sms-1", 1, NOW)
    assert sent.text == "day_before for patient at Back Bay"
    assert [m.idempotency_key for m in sms.sent] == [sent.key]
    assert notice(database, later).status is S.PENDING
    assert notice(database, task).status is S.PENDING  # a staff task is never sent
    assert run(database, clock, sms, email).claimed == 0


def test_transient_failures_retry_with_exponential_backoff_then_fall_back(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    flaky = RecordingChannel(SMS, *(TransientFailure("503", "down") for _ in range(3)))
    nid = add_notice(database, fallbacks=[["email", "ada@example.org"]])
    settings = DispatchSettings(max_attempts=3, backoff_base=timedelta(seconds=30))
    for expected_delay in (30, 60):
        report = run(database, clock, flaky, email, settings=settings)
        assert report.retried == 1
        row = notice(database, nid)
        assert (row.status, row.last_error) == (S.PENDING, "503")
        assert row.due_at == clock.now() + timedelta(seconds=expected_delay)
        assert run(database, clock, flaky, email, settings=settings).claimed == 0  # not yet
        clock.set(row.due_at)
    report = run(database, clock, flaky, email, settings=settings)
    row = notice(database, nid)
    assert (row.status, row.reason, row.attempts) == (S.FAILED, "retries_exhausted", 3)
    assert (report.failed, report.fallbacks) == (1, 1)
    run(database, clock, flaky, email, settings=settings)
    assert [m.to for m in email.sent] == ["ada@example.org"]
    assert flaky.sent == []


def test_jitter_spreads_retries_over_the_upper_half(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    flaky = RecordingChannel(SMS, TransientFailure("timeout", "slow"))
    nid = add_notice(database)
    run(database, clock, flaky, email, rng=lambda: 0.0)
    assert notice(database, nid).due_at == NOW + timedelta(seconds=15)


def test_a_providers_retry_after_is_honoured(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    limited = RecordingChannel(SMS, TransientFailure("20429", "too many", retry_after=120))
    nid = add_notice(database)
    run(database, clock, limited, email)
    assert notice(database, nid).due_at == NOW + timedelta(seconds=120)


def test_an_opt_out_is_recorded_never_retried_and_falls_back_to_email(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    stopped = RecordingChannel(SMS, PermanentFailure("21610", "unsubscribed", opted_out=True))
    nid = add_notice(database, fallbacks=[["email", "ada@example.org"]])
    opted_out: list[tuple[ChannelKind, str]] = []

    def on_opt_out(session: Session, channel: ChannelKind, recipient: str) -> None:
        opted_out.append((channel, recipient))

    report = run(database, clock, stopped, email, on_opt_out=on_opt_out)
    assert (report.failed, report.fallbacks, report.retried) == (1, 1, 0)
    assert opted_out == [(SMS, "+16175550101")]
    row = notice(database, nid)
    assert (row.status, row.last_error, row.attempts) == (S.FAILED, "21610", 1)
    run(database, clock, stopped, email)
    assert len(email.sent) == 1
    assert email.sent[0].subject == "Your day_before"
    statuses = {(n.channel, n.status) for n in all_notices(database)}
    assert statuses == {(SMS, S.FAILED), (EMAIL, S.SENT)}
    clock.advance(timedelta(days=1))
    assert run(database, clock, stopped, email).claimed == 0  # the SMS is never retried


def test_a_permanent_failure_without_another_channel_is_failed_for_staff(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    bad = RecordingChannel(SMS, PermanentFailure("21211", "invalid number"))
    nid = add_notice(database)
    assert run(database, clock, bad, email).fallbacks == 0
    row = notice(database, nid)
    assert (row.status, row.reason, row.last_error) == (S.FAILED, "permanent_failure", "21211")


def test_the_recheck_can_refuse_and_says_why(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    nid = add_notice(database)

    def recheck(session: Session, notice: Due) -> Check:
        return Check(ok=False, reason="appointment_cancelled")

    assert run(database, clock, sms, email, recheck=recheck).skipped == 1
    row = notice(database, nid)
    assert (row.status, row.reason) == (S.SKIPPED, "appointment_cancelled")
    assert sms.sent == []


def test_nothing_goes_after_its_deadline(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    nid = add_notice(database, due_at=NOW - timedelta(hours=3), send_before=NOW)
    run(database, clock, sms, email)
    assert (notice(database, nid).status, notice(database, nid).reason) == (S.SKIPPED, "passed")
    assert sms.sent == []


def test_an_sms_due_in_quiet_hours_waits_for_the_morning(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    clock.set(NOW + timedelta(hours=12))  # 22:00 in New York
    nid = add_notice(database, kind=NoticeKind.AFTERCARE, due_at=clock.now())
    report = run(database, clock, sms, email)
    assert (report.deferred, report.sent) == (1, 0)
    row = notice(database, nid)
    assert (row.status, row.attempts) == (S.PENDING, 0)
    assert row.due_at == NOW + timedelta(hours=22)  # 08:00 the next day


def test_a_row_withdrawn_after_its_claim_is_not_sent(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    nid = add_notice(database)

    def withdraw_while_checking(session: Session, notice: Due) -> Check:
        """The pass has claimed it; booking moves the appointment as it is re-checked."""
        with database.session() as other:
            row = other.get(Notice, nid)
            assert row is not None
            row.status = S.WITHDRAWN  # what plan() does when the appointment moves
        return Check(ok=True)

    report = run(database, clock, sms, email, recheck=withdraw_while_checking)
    assert (report.claimed, report.sent, report.lost) == (1, 0, 1)
    assert sms.sent == []
    assert notice(database, nid).status is S.WITHDRAWN


def test_a_crash_between_claim_and_record_leaves_it_to_send_after_the_lease(
    database: Database, clock: FrozenClock, sms: RecordingChannel, email: RecordingChannel
) -> None:
    nid = add_notice(database)

    class Killed(BaseException):
        """The worker process dying mid-send."""

    sms.failures.append(Killed())
    settings = DispatchSettings(lease=timedelta(minutes=5))
    with pytest.raises(Killed):
        run(database, clock, sms, email, settings=settings, worker_id="worker-a")
    row = notice(database, nid)
    assert (row.status, row.claimed_by) == (S.CLAIMED, "worker-a")
    clock.advance(timedelta(minutes=4))
    assert run(database, clock, sms, email, settings=settings, worker_id="worker-b").claimed == 0
    clock.advance(timedelta(minutes=2))
    report = run(database, clock, sms, email, settings=settings, worker_id="worker-b")
    assert report.sent == 1
    row = notice(database, nid)
    assert (row.status, row.claimed_by, row.attempts) == (S.SENT, "worker-b", 2)


def test_a_slow_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    nid = add_notice(database)
    slow = RecordingChannel(SMS)
    settings = DispatchSettings(lease=timedelta(minutes=5))

    def meanwhile(message: object) -> None:
        slow.during_send = None
        clock.advance(timedelta(minutes=6))  # the lease runs out while the provider hangs
        report = run(database, clock, slow, email, settings=settings, worker_id="worker-b")
        assert report.sent == 1

    slow.during_send = meanwhile
    report = run(database, clock, slow, email, settings=settings, worker_id="worker-a")
    assert report.lost == 1
    row = notice(database, nid)
    assert (row.status, row.claimed_by) == (S.SENT, "worker-b")
    assert len(slow.sent) == 2  # the one duplicate at-least-once allows: the one in flight


def test_the_rate_limit_spaces_sends() -> None:
    moments: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    limiter = RateLimiter(4, sleep=sleep, monotonic=lambda: clock[0])
    for _ in range(5):
        limiter.wait()
        moments.append(clock[0])
    assert moments == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_two_dispatchers_at_once_never_send_one_notice_twice(
    database: Database, clock: FrozenClock, email: RecordingChannel
) -> None:
    shared = RecordingChannel(SMS)
    ids = [add_notice(database) for _ in range(60)]
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            while run(database, clock, shared, email, worker_id=name, batch=4).claimed:
                pass
        except BaseException as exc:  # surfaced below: a thread's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    keys = [m.idempotency_key for m in shared.sent]
    assert len(keys) == len(set(keys)) == len(ids)
    rows = all_notices(database)
    assert {row.status for row in rows} == {S.SENT}
    assert {row.claimed_by for row in rows} <= {"worker-0", "worker-1"}
