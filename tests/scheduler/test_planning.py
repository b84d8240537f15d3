"""Planning writes the outbox in the caller's transaction: replace, withdraw, never duplicate."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import Database
from scheduler.facts import AppointmentFacts, Change
from scheduler.models import Notice, NoticeStatus
from scheduler.planning import fresh_rows, insert_rows, plan
from scheduler.rules import DEFAULT_POLICY, NoticeKind
from tests.scheduler.facts_helpers import NOW, NY, facts

NY_ZONE = ZoneInfo(NY)

S, K = NoticeStatus, NoticeKind


def rows(database: Database, appointment: uuid.UUID | None = None) -> list[Notice]:
    with database.session(write=False) as session:
        query = select(Notice).order_by(Notice.due_at, Notice.key)
        if appointment is not None:
            query = query.where(Notice.appointment_id == appointment)
        return list(session.scalars(query))


def planned(database: Database, f: AppointmentFacts, *, at: timedelta = timedelta(0)) -> int:
    with database.session() as session:
        return plan(session, f, now=NOW + at)


def by_status(notices: list[Notice]) -> dict[NoticeStatus, set[NoticeKind]]:
    out: dict[NoticeStatus, set[NoticeKind]] = {}
    for row in notices:
        out.setdefault(row.status, set()).add(row.kind)
    return out


def mark(database: Database, key: str, status: NoticeStatus) -> None:
    with database.session() as session:
        row = session.scalars(select(Notice).where(Notice.key == key)).one()
        row.status = status


def test_booking_writes_the_policys_notices_with_their_context(database: Database) -> None:
    f = facts(kind="iv_infusion", minutes=120, location_address="1 Main Street")
    assert planned(database, f) == 5
    notices = rows(database)
    assert by_status(notices) == {
        S.PENDING: {K.CONFIRMATION, K.PREPARATION, K.DAY_BEFORE, K.HOURS_BEFORE, K.PICKUP}
    }
    pickup = next(n for n in notices if n.kind is K.PICKUP)
    assert (pickup.recipient, pickup.zone, pickup.attempts) == ("+16175550102", f.zone, 0)
    assert pickup.context["location_address"] == "1 Main Street"
    assert pickup.due_at == f.ends_at - timedelta(minutes=30)


def test_reschedule_replaces_pending_notices_and_never_touches_sent_ones(
    database: Database,
) -> None:
    f = facts()
    planned(database, f)
    mark(database, f"{f.appointment_id}/confirmation/patient/1", S.SENT)
    moved = replace(
        f, change=Change.RESCHEDULED, sequence=2, starts_at=f.starts_at + timedelta(days=2),
        ends_at=f.ends_at + timedelta(days=2),
    )  # fmt: skip
    assert planned(database, moved, at=timedelta(minutes=5)) == 4
    notices = rows(database, f.appointment_id)
    old = [n for n in notices if n.key.endswith("/1")]
    assert by_status(old) == {
        S.SENT: {K.CONFIRMATION},
        S.WITHDRAWN: {K.WEEK_BEFORE, K.DAYS_BEFORE, K.DAY_BEFORE},
    }
    new = [n for n in notices if n.key.endswith("/2")]
    assert {n.status for n in new} == {S.PENDING}
    day_before = next(n for n in new if n.kind is K.DAY_BEFORE)
    assert day_before.due_at == moved.starts_at - timedelta(hours=24)


def test_a_reschedule_with_the_same_sequence_moves_pending_rows_in_place(
    database: Database,
) -> None:
    f = facts(sequence=0)
    planned(database, f)
    later = timedelta(days=1)
    moved = replace(f, change=Change.RESCHEDULED, starts_at=f.starts_at + later)
    planned(database, replace(moved, ends_at=f.ends_at + later))
    notices = rows(database)
    assert len(notices) == 4
    day_before = next(n for n in notices if n.kind is K.DAY_BEFORE)
    assert day_before.due_at == moved.starts_at - timedelta(hours=24)


def test_cancel_withdraws_pending_and_claimed_and_queues_the_cancellation(
    database: Database,
) -> None:
    f = facts()
    planned(database, f)
    mark(database, f"{f.appointment_id}/day_before/patient/1", S.CLAIMED)
    cancelled = replace(f, change=Change.CANCELLED, status="cancelled", sequence=2)
    assert planned(database, cancelled) == 1
    assert by_status(rows(database)) == {
        S.WITHDRAWN: {K.CONFIRMATION, K.WEEK_BEFORE, K.DAYS_BEFORE, K.DAY_BEFORE},
        S.PENDING: {K.CANCELLATION},
    }


def test_planning_the_same_facts_twice_writes_no_duplicate(database: Database) -> None:
    f = facts()
    planned(database, f)
    planned(database, f)
    with database.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 4


def test_a_series_gets_one_confirmation_row_in_one_transaction(database: Database) -> None:
    series = uuid.uuid4()
    sessions = [facts(series_id=series, starts_in=timedelta(days=d)) for d in (10, 13, 17)]
    with database.session() as session:
        for f in sessions:
            plan(session, f, now=NOW)
    confirmations = [n for n in rows(database) if n.kind is K.CONFIRMATION]
    assert len(confirmations) == 1
    assert confirmations[0].key == f"series:{series}/confirmation/patient/0"
    # It stays as the first session planned it: that session's time, link and invite.
    first = sessions[0]
    assert confirmations[0].appointment_id == first.appointment_id
    assert confirmations[0].context["appointment_id"] == str(first.appointment_id)
    assert confirmations[0].context["starts_at"] == first.starts_at.astimezone(NY_ZONE).isoformat()


def _columns(notice: Notice) -> dict[str, object]:
    skip = {"id", "appointment_id", "key"}
    found = {c.key: getattr(notice, c.key) for c in Notice.__table__.columns if c.key not in skip}
    found["context"] = {k: v for k, v in notice.context.items() if k != "appointment_id"}
    return found


def _plan_fresh(session: Session, f: AppointmentFacts) -> None:
    insert_rows(session.connection(), fresh_rows(session, f, now=NOW, policy=DEFAULT_POLICY))


def test_a_fresh_plan_writes_what_the_general_path_writes(database: Database) -> None:
    # A new appointment's notices go in as one statement; the rows are the same.
    general, fresh = facts(kind="iv_infusion", minutes=120), facts(kind="iv_infusion", minutes=120)
    with database.session() as session:
        assert plan(session, general, now=NOW) == 5
        _plan_fresh(session, fresh)
    by_general, by_fresh = (
        rows(database, general.appointment_id),
        rows(database, fresh.appointment_id),
    )
    assert [_columns(n) for n in by_fresh] == [_columns(n) for n in by_general]
    assert [n.key.replace(str(fresh.appointment_id), "") for n in by_fresh] == [
        n.key.replace(str(general.appointment_id), "") for n in by_general
    ]


def test_a_fresh_series_session_keeps_the_series_one_confirmation(database: Database) -> None:
    series = uuid.uuid4()
    sessions = [facts(series_id=series, starts_in=timedelta(days=d)) for d in (10, 13)]
    with database.session() as session:
        for f in sessions:
            _plan_fresh(session, f)  # the second finds the first's row
    confirmations = [n for n in rows(database) if n.kind is K.CONFIRMATION]
    assert [n.key for n in confirmations] == [f"series:{series}/confirmation/patient/0"]


def test_a_pickup_already_sent_is_not_sent_again_after_an_undo(database: Database) -> None:
    start = NOW - timedelta(minutes=100)
    f = facts(kind="iv_infusion", minutes=120, starts_at=start)
    checked_in = replace(f, status="checked_in", change=Change.CHECKED_IN, sequence=2)
    planned(database, checked_in)
    mark(database, f"{f.appointment_id}/pickup/escort/2", S.SENT)
    done = replace(checked_in, status="completed", change=Change.COMPLETED, sequence=3)
    planned(database, replace(done, completed_at=NOW))
    undone = replace(checked_in, change=Change.CORRECTED, sequence=4)
    planned(database, undone, at=timedelta(minutes=1))
    pickups = [n for n in rows(database) if n.kind is K.PICKUP]
    assert [(n.key.rsplit("/", 1)[1], n.status) for n in pickups] == [("2", S.SENT)]
    # The discharge's notices were withdrawn with the discharge.
    statuses = by_status(rows(database))
    assert {K.AFTERCARE, K.READY_FOR_PICKUP, K.CHECK_IN} <= statuses[S.WITHDRAWN]


def test_skips_and_a_patient_without_channel_are_recorded_for_staff(database: Database) -> None:
    f = facts(starts_in=timedelta(hours=30), sms_consent=False, email_consent=False)
    planned(database, f)
    notices = {n.kind: n for n in rows(database)}
    assert (notices[K.WEEK_BEFORE].status, notices[K.WEEK_BEFORE].reason) == (
        S.SKIPPED, "superseded",
    )  # fmt: skip
    assert (notices[K.DAY_BEFORE].status, notices[K.DAY_BEFORE].reason) == (
        S.FAILED, "no_usable_channel",
    )  # fmt: skip
