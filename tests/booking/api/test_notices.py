"""Notices end to end through the app: planned by a booking, sent by a dispatch pass with
the console channel, read by staff; moved and cancelled appointments leave nothing stale."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.dispatching import Dispatcher, opt_out_recorder, recheck
from booking.models import AuditEvent, Patient
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from notifications.channels.console import ConsoleChannel
from scheduler import outbox
from scheduler.models import Notice
from tests.booking.api.conftest import Clinic, book
from tests.booking.api.setup_helpers import expect_ok
from tests.conftest import SignedIn
from tests.factories import make_patient

START = "2026-12-10T10:00:00-05:00"  # two weeks after the frozen "now"
CONSOLE = {kind: ConsoleChannel(kind) for kind in ChannelKind}


def _book_consult(client: TestClient, clinic: Clinic, desk: SignedIn) -> tuple[str, str]:
    patient = make_patient(client, desk.headers, sms_consent=True, email_consent=True)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": START,
    }  # fmt: skip
    booked = expect_ok(book(client, body, desk.headers), 201)
    return booked["appointment"]["id"], patient["id"]


def _notices(client: TestClient, appointment_id: str, who: SignedIn) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = expect_ok(
        client.get(f"/api/v1/appointments/{appointment_id}/notices", headers=who.headers), 200
    )
    return found


def _by(notices: list[dict[str, Any]], status: str) -> list[str]:
    return sorted(n["kind"] for n in notices if n["status"] == status)


def _dispatch(database: Database, settings: Settings, clock: FrozenClock) -> str:
    return Dispatcher.build(database, settings, clock, channels=CONSOLE).run_once().describe()


def test_a_booked_consult_is_confirmed_by_the_console_channel_and_staff_read_it(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn,
    database: Database, settings: Settings, clock: FrozenClock,
) -> None:  # fmt: skip
    appointment_id, patient_id = _book_consult(client, clinic, front_desk)
    planned = _notices(client, appointment_id, front_desk)
    assert _by(planned, "pending") == [
        "confirmation", "day_before", "days_before", "week_before"
    ]  # fmt: skip
    assert "sent 1" in _dispatch(database, settings, clock)
    seen = _notices(client, appointment_id, clinician_login)  # clinicians may read
    (confirmation,) = [n for n in seen if n["kind"] == "confirmation"]
    assert confirmation["status"] == "sent"
    assert confirmation["channel"] == "email"
    assert "Dec" in confirmation["text"]
    assert " EST" in confirmation["text"]  # the zone's name, not "UTC-05:00"
    assert "UTC-" not in confirmation["text"]
    assert confirmation["subject"]
    assert "/manage/[hidden]" in confirmation["text"]  # the link, not its secret token
    mine = client.get(f"/api/v1/patients/{patient_id}/notices", headers=front_desk.headers)
    assert [n["id"] for n in expect_ok(mine, 200)] == [n["id"] for n in seen]
    assert client.get(f"/api/v1/appointments/{appointment_id}/notices").status_code == 401


def test_reschedule_replaces_pending_reminders_and_cancel_queues_the_clinics_notice(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    settings: Settings, clock: FrozenClock,
) -> None:  # fmt: skip
    appointment_id, _ = _book_consult(client, clinic, front_desk)
    _dispatch(database, settings, clock)
    clock.advance(timedelta(hours=1))  # the move's confirmation is a moment of its own
    moved = client.post(
        f"/api/v1/appointments/{appointment_id}/reschedule",
        json={"starts_at": "2026-12-11T10:00:00-05:00"}, headers=front_desk.headers,
    )  # fmt: skip
    expect_ok(moved, 200)
    after_move = _notices(client, appointment_id, front_desk)
    assert _by(after_move, "withdrawn") == ["day_before", "days_before", "week_before"]
    assert _by(after_move, "pending") == [
        "confirmation", "day_before", "days_before", "week_before"
    ]  # fmt: skip
    cancelled = client.post(
        f"/api/v1/appointments/{appointment_id}/cancel",
        json={"reason": "clinician ill", "by_clinic": True}, headers=front_desk.headers,
    )  # fmt: skip
    expect_ok(cancelled, 200)
    after_cancel = _notices(client, appointment_id, front_desk)
    assert _by(after_cancel, "pending") == ["cancellation"]
    assert _by(after_cancel, "withdrawn") == [
        "confirmation", "day_before", "day_before", "days_before", "days_before",
        "week_before", "week_before",
    ]  # fmt: skip
    assert "sent 1" in _dispatch(database, settings, clock)
    (sent,) = [n for n in _notices(client, appointment_id, front_desk)
               if n["kind"] == "cancellation"]  # fmt: skip
    assert sent["status"] == "sent"
    assert "clinic" in sent["text"].lower()


def test_the_recheck_refuses_a_notice_for_an_older_version_of_the_appointment(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    clock: FrozenClock,
) -> None:  # fmt: skip
    _book_consult(client, clinic, front_desk)
    with database.session() as session:
        (due,) = [
            d for d in outbox.claim(
                session, now=clock.now(), batch=10, worker_id="t", lease=timedelta(minutes=5)
            ) if d.kind == "confirmation"
        ]  # fmt: skip
        assert recheck(session, due).ok
        stale = dataclasses.replace(due, context=due.context | {"sequence": 7})
        assert recheck(session, stale) == dataclasses.replace(
            recheck(session, stale), ok=False, reason="stale"
        )
        gone = dataclasses.replace(due, appointment_id=uuid.uuid4())
        assert recheck(session, gone).reason == "appointment_gone"


def test_an_opt_out_withdraws_the_patients_sms_consent_audited(
    client: TestClient, front_desk: SignedIn, database: Database, clock: FrozenClock
) -> None:
    patient = make_patient(client, front_desk.headers, sms_consent=True)
    with database.session() as session:
        opt_out_recorder(clock)(session, ChannelKind.SMS, patient["phone"])
    with database.session(write=False) as session:
        stored = session.get_one(Patient, uuid.UUID(patient["id"]))
        assert stored.sms_consent_at is None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == stored.id)
        )
        assert "patient.sms_opt_out" in list(actions)
        assert session.scalar(select(Notice.id).limit(1)) is None
