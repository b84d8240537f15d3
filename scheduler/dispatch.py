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
from collections.abc import Callable, Mapping
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
    ) -> tuple[str, str | None, str | None]:  # fmt: skip
        """The message's text, subject (email) and HTML (email)."""
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
    report: DispatchReport = field(default_factory=DispatchReport)


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
) -> DispatchReport:
    """Claim up to ``batch`` due notices and deliver them. Safe to run in many processes."""
    settings = settings or DispatchSettings()
    run = _Pass(
        database, channels, renderer, recheck, clock, worker_id, settings, on_opt_out,
        limiter or RateLimiter(settings.rate_per_second), rng,
    )  # fmt: skip
    with database.session() as session:
        claimed = outbox.claim(
            session, now=clock.now(), batch=batch, worker_id=worker_id, lease=settings.lease
        )
    run.report.claimed = len(claimed)
    for notice in claimed:
        _deliver(run, notice)
    return run.report


def _deliver(run: _Pass, notice: Due) -> None:
    with run.database.session(write=False) as session:
        if not outbox.still_mine(session, notice, run.worker_id):
            run.report.lost += 1
            return
        verdict = _verdict(run, session, notice)
    if isinstance(verdict, datetime):
        _record(run, notice, status=S.PENDING, due_at=verdict, attempts=notice.attempts - 1)
        run.report.deferred += 1
        return
    if not verdict.ok:
        _record(run, notice, status=S.SKIPPED, reason=verdict.reason)
        run.report.skipped += 1
        return
    recipient = verdict.recipient or notice.recipient
    context = {**notice.context, **(verdict.context or {})}
    try:
        text, subject, html = run.renderer(notice.kind, notice.audience, notice.channel, context)
    except Exception:  # a template bug must not stop the pass; no patient detail logged
        log.exception("rendering %s %s failed", notice.kind, notice.id)
        _permanent(run, notice, PermanentFailure("render_error", "the template failed"))
        return
    message = OutgoingMessage(
        channel=notice.channel, to=recipient, text=text, subject=subject, html=html,
        idempotency_key=notice.key,
    )  # fmt: skip
    _send(run, notice, message)


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
    run.limiter.wait()
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
    now = run.clock.now()
    with run.database.session() as session:
        done = outbox.finish(
            session, notice, run.worker_id, now=now, status=S.FAILED, reason=reason,
            last_error=failure.code[:64],
        )  # fmt: skip
        if not done:
            run.report.lost += 1
            return
        if isinstance(failure, PermanentFailure) and failure.opted_out and run.on_opt_out:
            run.on_opt_out(session, notice.channel, notice.recipient)
        if outbox.add_fallback(session, notice, now=now) is not None:
            run.report.fallbacks += 1
    run.report.failed += 1


def _record(run: _Pass, notice: Due, *, sent: bool = False, **values: Any) -> None:
    now = run.clock.now()
    with run.database.session() as session:
        if not outbox.finish(session, notice, run.worker_id, now=now, sent=sent, **values):
            run.report.lost += 1
