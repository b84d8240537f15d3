"""Waitlist offers in tests: settings with a public URL, a dispatcher with the real twilio SDK
against the loopback fake and SMTP to the loopback server, and small steps (join the
waitlist, free a slot, read the offer link out of the message)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import Channel, ChannelKind
from notifications.channels.smtp_email import SmtpEmail
from notifications.channels.twilio_sms import TwilioSms
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn
from tests.factories import make_patient
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PUBLIC = "https://clinic.example"
WAITLIST = "/api/v1/waitlist"
LINK = re.compile(re.escape(PUBLIC) + r"/offers/([A-Za-z0-9_\-]+)")
_numbers = itertools.count(1)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret", session_ttl_hours=24 * 30, public_url=PUBLIC,
        name="Harbor Clinic", email_from="notices@clinic.example", twilio_auth_token=AUTH_TOKEN,
    )  # fmt: skip


def build_dispatcher(
    database: Database, settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio,
    fake_smtp: FakeSmtp,
) -> Dispatcher:  # fmt: skip
    sms = TwilioSms(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+16175550000",
        api_base=fake_twilio.base_url,
    )  # fmt: skip
    email = SmtpEmail(
        host=fake_smtp.host, port=fake_smtp.port, sender="Harbor Clinic <notices@clinic.example>",
        starttls=False, timeout=5.0,
    )  # fmt: skip
    channels: dict[ChannelKind, Channel] = {ChannelKind.SMS: sms, ChannelKind.EMAIL: email}
    return Dispatcher.build(database, settings, clock, channels)


@pytest.fixture
def dispatcher(
    database: Database, settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio,
    fake_smtp: FakeSmtp,
) -> Dispatcher:  # fmt: skip
    return build_dispatcher(database, settings, clock, fake_twilio, fake_smtp)


def join(client: TestClient, clinic: Clinic, desk: SignedIn, **patient: Any) -> dict[str, Any]:
    """A patient (texts allowed unless ``patient`` says otherwise) waiting for Mon 30 Nov."""
    n = next(_numbers)
    details = {"phone": f"+1617555{7000 + n:04d}", "email": f"wait{n}@example.com",
               "sms_consent": True} | patient  # fmt: skip
    made = make_patient(client, desk.headers, **details)
    body = {"patient_id": made["id"], "appointment_type_id": clinic.consult["id"],
            "earliest": "2026-11-30", "latest": "2026-11-30"}  # fmt: skip
    entry = client.post(WAITLIST, json=body, headers=desk.headers)
    assert entry.status_code == 201, entry.text
    return {"entry": entry.json(), "patient": made}


def free_monday_9(client: TestClient, clinic: Clinic, desk: SignedIn) -> dict[str, Any]:
    """Book Mon 30 Nov 09:00 for someone else, then cancel it: the slot frees up."""
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "clinician_id": clinic.clinicians[0]["id"],
            "patient": patient_details(900)}  # fmt: skip
    booked = book(client, body, desk.headers)
    assert booked.status_code == 201, booked.text
    appointment: dict[str, Any] = booked.json()["appointment"]
    url = f"/api/v1/appointments/{appointment['id']}/cancel"
    cancelled = client.post(url, json={"reason": "travel"}, headers=desk.headers)
    assert cancelled.status_code == 200, cancelled.text
    return appointment


def entries(client: TestClient, desk: SignedIn) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in client.get(WAITLIST, headers=desk.headers).json()}


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    return found.group(1)


def sms_tokens(fake_twilio: FakeTwilio, phone: str) -> list[str]:
    return [token_in(sms.body) for sms in fake_twilio.to(phone)]
