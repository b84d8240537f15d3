"""One dispatch pass: claim due notices, re-check, render, send outside any transaction,
record the outcome. Correctness lives in the database (the lease); the runner is a timer.

Transient failures retry with exponential backoff and jitter up to ``max_attempts``;
permanent ones never retry, are recorded, and the notice falls back to the next consented
channel (an opt-out, Twilio 21610, is reported through ``on_opt_out`` first).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.clock import Clock
from core.db import Database
from notifications.channels.base import (
    Channel,
    ChannelFailure,
    ChannelKind,
    OutgoingMessage,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from notifications.notices import Rendered
from scheduler import outbox, quiet_hours
from scheduler.models import NoticeStatus
from scheduler.outbox import Due
from scheduler.rules import Audience, NoticeKind, QuietHours

log = logging.getLogger("clinic.scheduler")
S = NoticeStatus


class Renderer(Protocol):
    def __call__(
        self, kind: NoticeKind, audience: Audience, channel: ChannelKind,
        context: Mapping[str, Any],
    ) -> Rendered:  # fmt: skip
        """The message's text, subject, HTML and calendar invite (the last three email only).
        ``context`` is the notice's, with what send time knows on top: ``recipient`` (the
        address it goes to) and anything the re-check added."""
        ...


@dataclass(frozen=True)
class Check:
    """The send-time verdict: go (to a fresher address, if it changed), or not, and why."""

    ok: bool
    reason: str | None = None
    recipient: str | None = None
    context: Mapping[str, Any] | None = None  # what only send time knows (a number's first text)


class Recheck(Protocol):
    def __call__(self, session: Session, notice: Due) -> Check:
        """Is the appointment still valid for this notice, and do consent and opt-outs still
        allow this channel? Wired by the composition root; the scheduler never imports booking."""
        ...


class OptOut(Protocol):
    def __call__(self, session: Session, channel: ChannelKind, recipient: str) -> None:
        """Record that this number or address unsubscribed (in the recording transaction)."""
        ...


def allow_all(session: Session, notice: Due) -> Check:
    """A re-check that lets everything through (tests, and before the wiring)."""
    return Check(ok=True)


@dataclass(frozen=True)
class DispatchSettings:
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 6
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=1)
    rate_per_second: float | None = None  # per process; None: no limit
    check_group: int = 20  # notices re-checked in one read, then sent
    fresh_for: timedelta = timedelta(milliseconds=100)  # a group's check, before it is redone
    quiet_hours: QuietHours = field(default_factory=QuietHours)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # quiet hours began since it was planned
    fallbacks: int = 0
    lost: int = 0  # another worker took the row over (our lease had expired)

    def describe(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in vars(self).items())


class RateLimiter:
    """At most ``per_second`` sends per process, spaced evenly (thread-safe)."""

    def __init__(
        self, per_second: float | None, *, sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._interval = 1.0 / per_second if per_second else 0.0
        self._sleep, self._monotonic = sleep, monotonic
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


def backoff(attempts: int, settings: DispatchSettings, rng: Callable[[], float]) -> timedelta:
    """Exponential, capped, with jitter over its upper half (workers do not retry in step)."""
    ceiling = min(settings.backoff_base * (1 << max(attempts - 1, 0)), settings.backoff_cap)
    return ceiling * (0.5 + rng() / 2)


@dataclass
class _Pass:
    database: Database
    channels: Mapping[ChannelKind, Channel]
    renderer: Renderer
    recheck: Recheck
    clock: Clock
    worker_id: str
    settings: DispatchSettings
    on_opt_out: OptOut | None
    limiter: RateLimiter
    rng: Callable[[], float]
    monotonic: Callable[[], float]
    report: DispatchReport = field(default_factory=DispatchReport)
    outcomes: list[outbox.Outcome] = field(default_factory=list)  # not written yet
    waited: uuid.UUID | None = None  # the notice whose rate-limit slot is taken
    lease_until: datetime | None = None  # of this pass's claim


@dataclass(frozen=True)
class _Checked:
    """When a group was checked: by the monotonic clock (fresh for a while), and by the
    clock the lease runs on (once the lease has run out, another worker may own the rows)."""

    fresh_until: float
    at: datetime

    def stale(self, run: _Pass) -> bool:
        if run.monotonic() > self.fresh_until:
            return True
        lease_until = run.lease_until
        return lease_until is not None and self.at < lease_until <= run.clock.now()


def dispatch_once(
    database: Database,
    *,
    channels: Mapping[ChannelKind, Channel],
    renderer: Renderer,
    recheck: Recheck = allow_all,
    clock: Clock,
    batch: int = 100,
    worker_id: str,
    settings: DispatchSettings | None = None,
    on_opt_out: OptOut | None = None,
    limiter: RateLimiter | None = None,
    rng: Callable[[], float] = random.random,
    monotonic: Callable[[], float] = time.monotonic,
) -> DispatchReport:
    """Claim up to ``batch`` due notices and deliver them. Safe to run in many processes."""
    settings = settings or DispatchSettings()
    run = _Pass(
        database, channels, renderer, recheck, clock, worker_id, settings, on_opt_out,
        limiter or RateLimiter(settings.rate_per_second), rng, monotonic,
    )  # fmt: skip
    now = clock.now()
    with database.session() as session:
        claimed = outbox.claim(
            session, now=now, batch=batch, worker_id=worker_id, lease=settings.lease
        )
    run.lease_until = now + settings.lease
    run.report.claimed = len(claimed)
    try:
        _deliver_all(run, claimed)
    finally:  # what went out is written even if the pass stops early
        _flush(run, final=True)
    return run.report


def _deliver_all(run: _Pass, claimed: Sequence[Due]) -> None:
    """Small groups: write what the last group did, check the next one in one read, send it.
    A group is re-checked from where it stands once its check is older than ``fresh_for``
    or the lease ran out since."""
    start = 0
    while start < len(claimed):
        group = _group(claimed, start, run.settings.check_group)
        _flush(run)  # the re-check sees what this pass sent already (a number's first text)
        verdicts = _check(run, group)
        fresh_until = run.monotonic() + run.settings.fresh_for.total_seconds()
        checked = _Checked(fresh_until, run.clock.now())
        for notice in group:
            if not _deliver(run, notice, verdicts[notice.id], checked):
                break  # stale: check again from this notice
            start += 1


def _group(claimed: Sequence[Due], start: int, size: int) -> list[Due]:
    """Up to ``size`` notices from ``start``, stopping before a recipient's second one: its
    re-check must see the first one's outcome."""
    group: list[Due] = []
    seen: set[tuple[ChannelKind, str]] = set()
    for notice in claimed[start : start + max(size, 1)]:
        if (notice.channel, notice.recipient) in seen:
            break
        seen.add((notice.channel, notice.recipient))
        group.append(notice)
    return group


def _check(run: _Pass, group: Sequence[Due]) -> dict[uuid.UUID, Check | datetime | None]:
    """Each notice's verdict (None: no longer ours), in one read transaction. Ownership is
    read last, so a re-plan that lands during the re-checks is seen."""
    with run.database.session(write=False) as session:
        verdicts = {notice.id: _verdict(run, session, notice) for notice in group}
        held = outbox.held(session, group, run.worker_id)
    return {nid: verdict if nid in held else None for nid, verdict in verdicts.items()}


def _deliver(run: _Pass, notice: Due, verdict: Check | datetime | None, checked: _Checked) -> bool:
    """Act on one verdict; False when the check went stale before sending (nothing done)."""
    if verdict is None:
        run.report.lost += 1
        return True
    if isinstance(verdict, datetime):
        _record(run, notice, status=S.PENDING, due_at=verdict, attempts=notice.attempts - 1)
        run.report.deferred += 1
        return True
    if not verdict.ok:
        _record(run, notice, status=S.SKIPPED, reason=verdict.reason)
        run.report.skipped += 1
        return True
    message = _message(run, notice, verdict)
    if message is None:
        return True
    if run.waited != notice.id:  # one rate-limit slot per notice, even if re-checked
        run.limiter.wait()
        run.waited = notice.id
    if checked.stale(run):
        return False
    _send(run, notice, message)
    return True


def _message(run: _Pass, notice: Due, verdict: Check) -> OutgoingMessage | None:
    """The rendered message (None: the template failed, recorded as a permanent failure)."""
    to = verdict.recipient or notice.recipient
    context = {**notice.context, **(verdict.context or {}), "recipient": to}
    try:
        rendered = run.renderer(notice.kind, notice.audience, notice.channel, context)
    except Exception:  # a template bug must not stop the pass; no patient detail logged
        log.exception("rendering %s %s failed", notice.kind, notice.id)
        _permanent(run, notice, PermanentFailure("render_error", "the template failed"))
        return None
    return OutgoingMessage(
        channel=notice.channel, to=to, text=rendered.text, subject=rendered.subject,
        html=rendered.html, invite=rendered.invite, idempotency_key=notice.key,
    )  # fmt: skip


def _verdict(run: _Pass, session: Session, notice: Due) -> Check | datetime:
    """Skip what is no use any more; put back what quiet hours now forbid; ask booking."""
    now = run.clock.now()
    if notice.send_before is not None and now >= notice.send_before:
        return Check(ok=False, reason="passed")
    if notice.channel is ChannelKind.SMS:
        moment = quiet_hours.sms_moment(
            notice.kind, now, zone=notice.zone, hours=run.settings.quiet_hours, now=now,
            send_before=notice.send_before,
        )  # fmt: skip
        if moment is None:
            return Check(ok=False, reason="quiet_hours")
        if moment > now:
            return moment
    return run.recheck(session, notice)


def _send(run: _Pass, notice: Due, message: OutgoingMessage) -> None:
    channel = run.channels.get(notice.channel)
    try:
        if channel is None:
            raise PermanentFailure("channel_not_configured", f"no {notice.channel} channel")
        sent = channel.send(message)
    except TransientFailure as failure:
        _transient(run, notice, failure)
    except PermanentFailure as failure:
        _permanent(run, notice, failure)
    except Exception:  # an SDK's surprise is a transient failure, retried with backoff
        log.exception("channel %s raised on notice %s", notice.channel, notice.id)
        _transient(run, notice, TransientFailure("unexpected", "the channel raised"))
    else:
        _sent(run, notice, message, sent)


def _sent(run: _Pass, notice: Due, message: OutgoingMessage, sent: Sent) -> None:
    now = run.clock.now()
    _record(
        run, notice, sent=True, status=S.SENT, provider_id=sent.provider_id, text=message.text,
        subject=message.subject, recipient=message.to, sent_at=now, last_error=None,
    )  # fmt: skip
    run.report.sent += 1


def _transient(run: _Pass, notice: Due, failure: TransientFailure) -> None:
    if notice.attempts >= run.settings.max_attempts:
        _permanent(run, notice, failure, reason="retries_exhausted")
        return
    delay = backoff(notice.attempts, run.settings, run.rng)
    if failure.retry_after is not None:
        delay = max(delay, timedelta(seconds=failure.retry_after))
    due = run.clock.now() + delay
    _record(run, notice, status=S.PENDING, due_at=due, last_error=failure.code[:64])
    run.report.retried += 1


def _permanent(
    run: _Pass, notice: Due, failure: ChannelFailure, *, reason: str = "permanent_failure"
) -> None:
    opted_out = isinstance(failure, PermanentFailure) and failure.opted_out
    values = {"status": S.FAILED, "reason": reason, "last_error": failure.code[:64]}
    run.outcomes.append(outbox.Outcome(notice, values, failed=True, opted_out=opted_out))


def _record(run: _Pass, notice: Due, *, sent: bool = False, **values: Any) -> None:
    run.outcomes.append(outbox.Outcome(notice, values, sent=sent))


def _flush(run: _Pass, *, final: bool = False) -> None:
    """Write the outcomes so far in one transaction. Rows a re-plan holds locked are left
    for the next flush; the last one waits for them a little, then blocks."""
    for attempt in range(_FINAL_TRIES if final else 1):
        if not run.outcomes:
            return
        if attempt:
            time.sleep(0.02)
        _write(run, wait=final and attempt == _FINAL_TRIES - 1)


_FINAL_TRIES = 25


def _write(run: _Pass, *, wait: bool) -> None:
    with run.database.session() as session:
        now = run.clock.now()
        recorded = outbox.record(session, run.outcomes, run.worker_id, now=now, wait=wait)
        for outcome in recorded.done:
            if outcome.failed:
                _fall_back(run, session, outcome)
    run.outcomes = recorded.later
    run.report.lost += len(recorded.refused)


def _fall_back(run: _Pass, session: Session, outcome: outbox.Outcome) -> None:
    notice = outcome.notice
    if outcome.opted_out and run.on_opt_out:
        run.on_opt_out(session, notice.channel, notice.recipient)
    if outbox.add_fallback(session, notice, now=run.clock.now()) is not None:
        run.report.fallbacks += 1
    run.report.failed += 1
