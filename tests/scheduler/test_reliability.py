"""Reliability with real parts: notices planned from plain facts, dispatched by
``dispatch_once`` through the real twilio SDK to the fake Twilio on loopback and through
smtplib to aiosmtpd, rendered by the real templates. Both databases unless said otherwise;
the process tests run tests/scheduler/worker_process.py (``clinic worker`` once on main).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.db import Database
from notifications.channels.base import Channel, ChannelKind
from scheduler.dispatch import Check, DispatchReport, DispatchSettings, dispatch_once
from scheduler.facts import AppointmentFacts, Change
from scheduler.models import Notice, NoticeStatus
from scheduler.outbox import Due
from scheduler.rules import NoticeKind
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import OPTED_OUT, UNAVAILABLE, FakeTwilio
from tests.scheduler.facts_helpers import NOW, NY, facts
from tests.scheduler.reliability_helpers import (
    local_time,
    plan_all,
    received_per_notice,
    render_notice,
    rows,
    smtp_email,
    twilio_sms,
)

S, SMS, EMAIL = NoticeStatus, ChannelKind.SMS, ChannelKind.EMAIL
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = DispatchSettings(backoff_base=timedelta(seconds=30))


@pytest.fixture
def channels(fake_twilio: FakeTwilio, fake_smtp: FakeSmtp) -> dict[ChannelKind, Channel]:
    email = smtp_email(fake_smtp.host, fake_smtp.port)
    return {SMS: twilio_sms(fake_twilio.base_url), EMAIL: email}


Dispatch = Callable[..., DispatchReport]


@pytest.fixture
def dispatch(
    database: Database, clock: FrozenClock, channels: dict[ChannelKind, Channel]
) -> Dispatch:
    def run(**kwargs: Any) -> DispatchReport:
        kwargs.setdefault("settings", SETTINGS)
        return dispatch_once(
            database, channels=channels, renderer=render_notice, clock=clock,
            worker_id="worker-a", rng=lambda: 1.0, **kwargs,
        )  # fmt: skip

    return run


def sms_only(**overrides: Any) -> AppointmentFacts:
    return facts(email_consent=False, **overrides)


def status_of(database: Database) -> dict[str, NoticeStatus]:
    return {row.key: row.status for row in rows(database)}


def received(fake: FakeTwilio) -> list[tuple[str, str]]:
    return [(m.to, m.body) for m in fake.messages]


# --------------------------------------------------------------- (a) the provider is down


def test_a_provider_down_for_a_while_delays_notices_and_loses_none(
    database: Database, clock: FrozenClock, fake_twilio: FakeTwilio, dispatch: Dispatch
) -> None:
    booked = [sms_only(patient_phone=f"+1617555020{n}") for n in range(5)]
    plan_all(database, booked, now=NOW)
    fake_twilio.fail_next(10_000, UNAVAILABLE)  # down: every request answers 503
    for wait in (0, 30, 60, 120):  # three retries, each after its backoff
        clock.advance(timedelta(seconds=wait))
        assert dispatch().retried == 5
        assert dispatch().claimed == 0  # nothing is retried before its backoff ran out
    assert fake_twilio.messages == []
    fake_twilio.clear()  # back up
    clock.advance(timedelta(seconds=240))
    assert dispatch().sent == 5
    for _ in range(3):  # later passes find nothing more to send
        clock.advance(timedelta(minutes=10))
        assert dispatch().sent == 0
    counts, stray = received_per_notice(database, received(fake_twilio))
    assert (len(counts), set(counts.values()), stray) == (5, {1}, 0)
    assert fake_twilio.attempts == 5 * 5
    confirmations = [r for r in rows(database) if r.kind is NoticeKind.CONFIRMATION]
    assert {(r.status, r.attempts, r.last_error) for r in confirmations} == {(S.SENT, 5, None)}


# --------------------------------------------------------------- (b) 21610: opted out


def run_through(
    database: Database, clock: FrozenClock, dispatch: Dispatch, until: datetime, **kwargs: Any
) -> int:
    """Dispatch at every moment something falls due, up to ``until``: a timer that never
    oversleeps. Returns how many passes ran."""
    passes = 0
    while True:
        with database.session(write=False) as session:
            next_due = session.scalar(
                select(func.min(Notice.due_at)).where(
                    Notice.status == S.PENDING, Notice.channel.is_not(None)
                )
            )
        if next_due is None or next_due > until:
            return passes
        clock.set(max(next_due, clock.now()))
        dispatch(**kwargs)
        passes += 1
        assert passes < 100


def test_b_an_opted_out_number_is_not_retried_is_recorded_and_falls_back_to_email(
    database: Database, clock: FrozenClock, fake_twilio: FakeTwilio, fake_smtp: FakeSmtp,
    dispatch: Dispatch,
) -> None:  # fmt: skip
    tomorrow = timedelta(days=1, hours=2)  # the 24 h reminder (SMS first) is due in 2 h
    consenting = facts(starts_in=tomorrow)
    texts_only = sms_only(starts_in=tomorrow, patient_phone="+16175550111")
    plan_all(database, [consenting, texts_only], now=NOW)
    for number in ("+16175550101", "+16175550111"):
        fake_twilio.fail(number, OPTED_OUT)
    opted_out: list[tuple[ChannelKind, str]] = []

    def record(session: Session, channel: ChannelKind, recipient: str) -> None:
        opted_out.append((channel, recipient))

    def unless_opted_out(session: Session, notice: Due) -> Check:
        """What the composition root's re-check does with the recorded opt-outs."""
        stopped = (notice.channel, notice.recipient) in opted_out
        return Check(ok=False, reason="opted_out") if stopped else Check(ok=True)

    checks: dict[str, Any] = {"on_opt_out": record, "recheck": unless_opted_out}
    run_through(database, clock, dispatch, until=NOW + timedelta(hours=20), **checks)
    assert sorted(opted_out) == [(SMS, "+16175550101"), (SMS, "+16175550111")]
    assert (fake_twilio.attempts, fake_twilio.messages) == (2, [])  # never retried
    mails = [(m.rcpt_tos, m.message["Subject"]) for m in fake_smtp.received]
    assert mails == [
        (("ada@example.org",), "Booked: your visit at Harbor Clinic, Fri 27 Nov, 12:00 PM EST"),
        (("ada@example.org",), "Tomorrow: your visit at Harbor Clinic, Fri 27 Nov, 12:00 PM EST"),
    ]  # the confirmation (email first), then the 24 h reminder's fallback
    outcome = {
        (r.recipient, r.kind, r.channel): (r.status, r.reason, r.last_error)
        for r in rows(database)
        if r.status is not S.SKIPPED or r.reason == "opted_out"
    }
    assert outcome == {
        ("ada@example.org", NoticeKind.CONFIRMATION, EMAIL): (S.SENT, None, None),
        ("+16175550101", NoticeKind.DAY_BEFORE, SMS): (S.FAILED, "permanent_failure", "21610"),
        ("ada@example.org", NoticeKind.DAY_BEFORE, EMAIL): (S.SENT, None, None),
        # No consented fallback: failed, shown to staff; later texts are not even tried.
        ("+16175550111", NoticeKind.CONFIRMATION, SMS): (S.FAILED, "permanent_failure", "21610"),
        ("+16175550111", NoticeKind.DAY_BEFORE, SMS): (S.SKIPPED, "opted_out", None),
    }


# --------------------------------------------------------------- (c) no stale notice


def everything_sent(fake_twilio: FakeTwilio, fake_smtp: FakeSmtp) -> list[tuple[str, str]]:
    """Each message the fakes took, as (recipient, what it said), in order per channel."""
    texts = [(m.to, m.body) for m in fake_twilio.messages]
    for mail in fake_smtp.received:
        body = mail.message.get_body(("plain",))
        said = f"{mail.message['Subject']}\n{body.get_content() if body else ''}"
        texts += [(to, said) for to in mail.rcpt_tos]
    return texts


def test_c_reschedule_and_cancel_leave_no_stale_notice(
    database: Database, clock: FrozenClock, fake_twilio: FakeTwilio, fake_smtp: FakeSmtp,
    dispatch: Dispatch,
) -> None:  # fmt: skip
    moved = facts(patient_phone="+16175550121", patient_email="moved@example.org")
    cancelled = facts(patient_phone="+16175550122", patient_email="gone@example.org")
    plan_all(database, [moved, cancelled], now=NOW)
    run_through(database, clock, dispatch, until=NOW + timedelta(days=3, hours=1))
    before = everything_sent(fake_twilio, fake_smtp)
    assert len(before) == 4  # both confirmations and week-before reminders (email first)
    later = moved.starts_at + timedelta(days=4)
    rescheduled = replace(
        moved, change=Change.RESCHEDULED, sequence=2, starts_at=later,
        ends_at=later + timedelta(hours=1),
    )  # fmt: skip
    gone = replace(cancelled, change=Change.CANCELLED, status="cancelled", sequence=2)
    plan_all(database, [rescheduled, gone], now=clock.now())
    run_through(database, clock, dispatch, until=later + timedelta(days=2))
    after = [m for m in everything_sent(fake_twilio, fake_smtp) if m not in before]
    old_time = str(local_time(moved.starts_at.isoformat(), NY))
    new_time = str(local_time(later.isoformat(), NY))
    to_moved = [said for to, said in after if to in (moved.patient_phone, moved.patient_email)]
    assert len(to_moved) == 4  # a new confirmation, the week, 72 h and 24 h reminders
    assert all(new_time in said and old_time not in said for said in to_moved)
    to_cancelled = [said for to, said in after if to != moved.patient_phone and to not in str(
        moved.patient_email)]  # fmt: skip
    assert len(to_cancelled) == 1  # the cancellation, and no reminder for it ever
    assert "is cancelled" in to_cancelled[0]
    assert [r for r in rows(database) if r.status in (S.PENDING, S.CLAIMED)] == []
    withdrawn = {r.key for r in rows(database) if r.status is S.WITHDRAWN}
    for appointment in (moved, cancelled):
        assert f"{appointment.appointment_id}/day_before/patient/1" in withdrawn


def test_c_a_reschedule_landing_while_its_notice_is_claimed_does_not_send_it(
    database: Database, clock: FrozenClock, fake_twilio: FakeTwilio, dispatch: Dispatch
) -> None:
    first, second = sms_only(patient_phone="+16175550131"), sms_only(patient_phone="+16175550132")
    plan_all(database, [first, second], now=NOW)
    moved_to = NOW + timedelta(days=12)
    moves: list[uuid.UUID] = []

    def reschedule_the_other(session: Session, notice: Due) -> Check:
        """Both are claimed; as the first is checked, the other one is moved by booking."""
        if not moves:
            other = second if notice.appointment_id == first.appointment_id else first
            moves.append(other.appointment_id)
            moved = replace(
                other, change=Change.RESCHEDULED, sequence=2, starts_at=moved_to,
                ends_at=moved_to + timedelta(hours=1),
            )  # fmt: skip
            clock.advance(timedelta(minutes=1))
            plan_all(database, [moved], now=clock.now())
        return Check(ok=True)

    report = dispatch(recheck=reschedule_the_other)
    assert (report.claimed, report.sent, report.lost) == (2, 1, 1)
    assert dispatch().sent == 1  # the new confirmation, with the new time
    moved_phone = first.patient_phone if moves[0] == first.appointment_id else second.patient_phone
    bodies = [m.body for m in fake_twilio.messages if m.to == moved_phone]
    assert len(bodies) == 1
    assert str(local_time(moved_to.isoformat(), NY)) in bodies[0]


def test_c_a_same_time_change_landing_while_a_reminder_is_claimed_still_sends_it_once(
    database: Database, clock: FrozenClock, fake_twilio: FakeTwilio, dispatch: Dispatch
) -> None:
    """A change that keeps the time (a new escort) re-plans the same reminder moment."""
    tomorrow = timedelta(days=1, hours=2)  # the 24 h reminders are due in 2 h
    first = sms_only(starts_in=tomorrow, patient_phone="+16175550141")
    second = sms_only(starts_in=tomorrow, patient_phone="+16175550142")
    plan_all(database, [first, second], now=NOW)
    assert dispatch().sent == 2  # the confirmations
    clock.advance(timedelta(hours=2))
    changed: list[AppointmentFacts] = []

    def change_the_other(session: Session, notice: Due) -> Check:
        if not changed:
            other = second if notice.appointment_id == first.appointment_id else first
            changed.append(replace(other, change=Change.CORRECTED, sequence=2, escort_name="Cy"))
            plan_all(database, changed, now=clock.now())
        return Check(ok=True)

    dispatch(recheck=change_the_other)
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        dispatch()
    reminders = [m for m in fake_twilio.messages if "tomorrow" in m.body]
    assert sorted(m.to for m in reminders) == ["+16175550141", "+16175550142"]


# --------------------------------------------------------------- worker processes


def url_of(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(database: Database, fake: FakeTwilio, name: str, *, now: datetime,
              batch: int = 25) -> subprocess.Popen[str]:  # fmt: skip
        command = [
            sys.executable, "-m", "tests.scheduler.worker_process", "--db", url_of(database),
            "--twilio", fake.base_url, "--now", now.isoformat(), "--worker-id", name,
            "--batch", str(batch), "--lease-seconds", "300", "--exit-when-idle",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ, stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        return process

    yield start
    for process in started:  # never outlive the test: its database is emptied next
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def finished(process: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0
    totals: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return totals


def thousand(database: Database) -> list[AppointmentFacts]:
    """1,000 appointments, each texting its own number: 1,000 confirmations due now."""
    booked = [sms_only(patient_phone=f"+1617556{n:04d}") for n in range(1000)]
    plan_all(database, booked, now=NOW)
    due = [r for r in rows(database) if r.status is S.PENDING and r.due_at <= NOW]
    assert len(due) == 1000
    return booked


def test_d_a_worker_killed_mid_dispatch_then_restarted_sends_everything_at_least_once(
    database: Database, fake_twilio: FakeTwilio, workers: Callable[..., subprocess.Popen[str]]
) -> None:
    thousand(database)
    victim = workers(database, fake_twilio, "victim", now=NOW)
    deadline = time.monotonic() + 60
    while len(fake_twilio.messages) < 300:
        assert victim.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    in_flight = sum(r.status is S.CLAIMED for r in rows(database))
    by_victim = len(fake_twilio.messages)
    assert by_victim < 1000  # it did die in the middle
    # Its leases have run out by the successor's clock: a new worker finishes the job.
    after_lease = NOW + timedelta(minutes=6)
    totals = finished(workers(database, fake_twilio, "successor", now=after_lease))
    assert {r.status for r in rows(database) if r.kind is NoticeKind.CONFIRMATION} == {S.SENT}
    counts, stray = received_per_notice(database, received(fake_twilio))
    duplicates = sum(count - 1 for count in counts.values())
    assert (len(counts), min(counts.values()), stray) == (1000, 1, 0)
    assert duplicates <= in_flight <= 25  # at most the claims the victim held
    assert len(fake_twilio.messages) == by_victim + totals["report"]["sent"]


def test_e_two_worker_processes_never_send_a_notice_twice(
    database: Database, fake_twilio: FakeTwilio, workers: Callable[..., subprocess.Popen[str]]
) -> None:
    """On PostgreSQL they claim with SKIP LOCKED; on SQLite one file's writers take turns."""
    thousand(database)
    pair = [workers(database, fake_twilio, name, now=NOW, batch=10) for name in ("w1", "w2")]
    totals = [finished(process) for process in pair]
    counts, stray = received_per_notice(database, received(fake_twilio))
    assert (len(counts), set(counts.values()), stray) == (1000, {1}, 0)
    assert len(fake_twilio.messages) == fake_twilio.attempts == 1000
    assert all(t["report"]["sent"] > 0 for t in totals)  # both did take part
    assert sum(t["report"]["sent"] for t in totals) == 1000
    sent = [r for r in rows(database, channel=SMS) if r.status is S.SENT]
    assert {r.claimed_by for r in sent} == {"w1", "w2"}
