"""POST /webhooks/twilio/status: signed reports move a sent notice forward, never back;
a report of error 21610 opts the number out."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from booking.dispatching import Dispatcher
from booking.models import Patient
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from notifications.channels.twilio_sms import TwilioSms
from scheduler.models import Notice, NoticeStatus
from tests.booking.api.conftest import Clinic
from tests.booking.api.inbound_helpers import PUBLIC, booked, settings
from tests.conftest import SignedIn
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

__all__ = ["settings"]
PATH = "/webhooks/twilio/status"


def report(client: TestClient, sid: str, status: str, error: str | None = None) -> int:
    fields = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
    if error:
        fields["ErrorCode"] = error
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + PATH, fields)
    response = client.post(PATH, data=fields, headers={"X-Twilio-Signature": signature})
    return response.status_code


@pytest.fixture
def sent_sms(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio,
) -> Notice:  # fmt: skip
    """The confirmation text of a booked consult, sent through the fake Twilio."""
    booked(client, clinic, front_desk, 40)
    sms = TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+16175550000",
                    api_base=fake_twilio.base_url)  # fmt: skip
    assert Dispatcher.build(database, settings, clock, {ChannelKind.SMS: sms}).run_once().sent
    return notice_to(database, "+16175550040")


def notice_to(database: Database, number: str) -> Notice:
    with database.session() as session:
        sent = Notice.provider_id.is_not(None)  # the confirmation; the reminders wait
        notice = session.scalar(select(Notice).where(Notice.recipient == number, sent))
        assert notice is not None
        return notice


def test_delivered_stays_delivered_whatever_arrives_later(
    client: TestClient, database: Database, sent_sms: Notice
) -> None:
    assert sent_sms.status is NoticeStatus.SENT
    sid = str(sent_sms.provider_id)
    for status in ("sent", "delivered", "delivered", "sent", "failed"):
        assert report(client, sid, status) == 204
    assert notice_to(database, "+16175550040").status is NoticeStatus.DELIVERED


def test_an_unsigned_report_is_403_and_changes_nothing(
    client: TestClient, database: Database, sent_sms: Notice
) -> None:
    fields = {"MessageSid": str(sent_sms.provider_id), "MessageStatus": "delivered"}
    response = client.post(PATH, data=fields, headers={"X-Twilio-Signature": "bogus"})
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert notice_to(database, "+16175550040").status is NoticeStatus.SENT


def test_undelivered_with_21610_fails_the_notice_and_opts_the_number_out(
    client: TestClient, database: Database, sent_sms: Notice
) -> None:
    assert report(client, str(sent_sms.provider_id), "undelivered", "21610") == 204
    notice = notice_to(database, "+16175550040")
    assert (notice.status, notice.last_error) == (NoticeStatus.FAILED, "21610")
    with database.session() as session:
        patient = session.scalar(select(Patient).where(Patient.phone == "+16175550040"))
        assert patient is not None
        assert patient.sms_consent_at is None
        assert patient.sms_opted_out_at is not None  # in the registry, like a STOP we got


def test_a_report_for_an_unknown_message_changes_nothing(
    client: TestClient, sent_sms: Notice, database: Database
) -> None:
    assert report(client, f"SM{uuid.uuid4().hex}", "delivered") == 204
    assert notice_to(database, "+16175550040").status is NoticeStatus.SENT
