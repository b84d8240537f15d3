"""An urgent text emails the on-call address through the outbox: written with the inbound
row, sent by the dispatcher over real SMTP (the aiosmtpd fake), minimum necessary inside."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.privacy import forbidden_terms_in
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import NoticeKind
from tests.booking.api.conftest import Clinic
from tests.booking.api.inbound_helpers import PUBLIC, booked, stored, text
from tests.conftest import SignedIn
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import AUTH_TOKEN

ONCALL = "oncall@harbor.example"
CRISIS = "i cant do this anymore, i want to kill myself"


@pytest.fixture
def settings(database: Database, fake_smtp: FakeSmtp) -> Settings:
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret", session_ttl_hours=24 * 30, public_url=PUBLIC,
        name="Harbor Ketamine Clinic", twilio_auth_token=AUTH_TOKEN, oncall_email=ONCALL,
        smtp_host=fake_smtp.host, smtp_port=fake_smtp.port, smtp_starttls=False,
    )  # fmt: skip


def _alerts(database: Database) -> list[Notice]:
    with database.session() as session:
        query = select(Notice).where(Notice.kind == NoticeKind.CRISIS_ALERT)
        return list(session.scalars(query))


def _oncall_mail(fake_smtp: FakeSmtp) -> list[str]:
    return [m.raw.decode() for m in fake_smtp.received if ONCALL in m.rcpt_tos]


def test_an_urgent_text_emails_the_oncall_address_with_no_patient_detail(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    settings: Settings, clock: FrozenClock, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    patient_id = booked(client, clinic, front_desk, 21)["appointment"]["patient_id"]
    answer = text(client, CRISIS, "+16175550021").text
    assert "988" in answer
    assert "We have alerted our on-call team." in answer
    (alert,) = _alerts(database)  # queued with the inbound row, before any dispatch
    assert (alert.status, alert.appointment_id, alert.recipient) == (
        NoticeStatus.PENDING, None, ONCALL,
    )  # fmt: skip
    Dispatcher.build(database, settings, clock).run_once()
    (mail,) = [m for m in fake_smtp.received if ONCALL in m.rcpt_tos]
    subject = str(mail.message["Subject"])
    body = mail.message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert subject == "Urgent message from a patient - open the staff inbox"
    assert f"{PUBLIC}/api/v1/inbox?state=unread&patient_id={patient_id}" in content
    assert str(stored(database)[0].id) in content
    for leak in ("kill", "anymore", "Rivera21", "Sam", "ketamine", "Ketamine"):
        assert leak not in content + subject, leak
    assert forbidden_terms_in(content + subject) == []
    assert _alerts(database)[0].status is NoticeStatus.SENT


def test_a_replayed_urgent_text_alerts_once_and_a_plain_one_not_at_all(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    settings: Settings, clock: FrozenClock, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    booked(client, clinic, front_desk, 22)
    text(client, CRISIS, "+16175550022", sid="SMtwice")
    text(client, CRISIS, "+16175550022", sid="SMtwice")
    text(client, "C", "+16175550022")
    text(client, "this traffic is killing me, running late", "+16175550022")
    assert len(_alerts(database)) == 1
    dispatcher = Dispatcher.build(database, settings, clock)
    dispatcher.run_once()
    dispatcher.run_once()
    assert len(_oncall_mail(fake_smtp)) == 1


def test_an_unknown_numbers_crisis_still_alerts_without_a_patient(
    client: TestClient, database: Database, settings: Settings, clock: FrozenClock,
    fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    text(client, "I want to end my life", "+16175550999")
    Dispatcher.build(database, settings, clock).run_once()
    (content,) = _oncall_mail(fake_smtp)
    assert "not matched to a patient" in content
    assert "patient_id=" not in content


def test_a_refused_delivery_is_retried_not_dropped(
    client: TestClient, database: Database, settings: Settings, clock: FrozenClock,
    fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    fake_smtp.reject(ONCALL, "451 4.3.0 Try again later")
    text(client, "I want to end my life", "+16175550998")
    Dispatcher.build(database, settings, clock).run_once()
    (alert,) = _alerts(database)
    assert (alert.status, alert.attempts) == (NoticeStatus.PENDING, 1)
    assert alert.due_at > clock.now()


def _inbox(client: TestClient, staff: SignedIn) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = client.get("/api/v1/inbox", headers=staff.headers).json()
    return rows


def test_the_inbox_shows_each_alerts_state_and_a_failed_one_stays_on_top(
    client: TestClient, database: Database, settings: Settings, clock: FrozenClock,
    fake_smtp: FakeSmtp, front_desk: SignedIn,
) -> None:  # fmt: skip
    fake_smtp.reject(ONCALL, "550 5.1.1 Mailbox unavailable")
    text(client, "I want to end my life", "+16175550997")
    assert [(r["urgent"], r["alert"]) for r in _inbox(client, front_desk)] == [(True, "pending")]
    Dispatcher.build(database, settings, clock).run_once()
    assert _alerts(database)[0].status is NoticeStatus.FAILED
    failed_id = _inbox(client, front_desk)[0]["id"]
    fake_smtp.rejections.clear()
    clock.advance(timedelta(minutes=5))
    text(client, "C", "+16175550996")
    text(client, "i want to kill myself", "+16175550995")  # newer, and its alert will go
    Dispatcher.build(database, settings, clock).run_once()
    rows = _inbox(client, front_desk)
    assert [(r["id"] == failed_id, r["urgent"], r["alert"]) for r in rows] == [
        (True, True, "failed"), (False, True, "sent"), (False, False, None),
    ]  # fmt: skip
    handled = client.post(f"/api/v1/inbox/{failed_id}/handled", headers=front_desk.headers)
    assert handled.json()["alert"] == "failed"  # still says the on-call was never told
    assert _inbox(client, front_desk)[0]["alert"] == "sent"  # handled: the next urgent one
