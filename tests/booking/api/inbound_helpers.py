"""Signed Twilio webhooks for tests: settings with an auth token and a public URL, a text
signed by the twilio SDK's own validator, and readers for what the webhook stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from booking.models import Appointment, InboundMessage
from core.db import Database
from core.settings import Settings
from tests.booking.api.conftest import MONDAY_9, Clinic, book, patient_details
from tests.conftest import SignedIn
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN

PUBLIC = "https://clinic.example"
PATH = "/webhooks/twilio/sms"
ESCORT = "+16175550199"


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret", session_ttl_hours=24 * 30, public_url=PUBLIC,
        name="Harbor Clinic", twilio_auth_token=AUTH_TOKEN,
    )  # fmt: skip


def text(
    client: TestClient, body: str, from_: str, *, sid: str | None = None,
    token: str = AUTH_TOKEN, url: str = PUBLIC + PATH,
) -> Any:  # fmt: skip
    fields = {"MessageSid": f"SM{uuid.uuid4().hex}" if sid is None else sid,
              "AccountSid": ACCOUNT_SID,
              "From": from_, "To": "+16175550000", "Body": body}  # fmt: skip
    signature = RequestValidator(token).compute_signature(url, fields)
    return client.post(PATH, data=fields, headers={"X-Twilio-Signature": signature})


def stored(database: Database) -> list[InboundMessage]:
    with database.session() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.received_at))
        return list(rows)


def appointment(database: Database, appointment_id: str) -> Appointment:
    with database.session() as session:
        found = session.get(Appointment, uuid.UUID(appointment_id))
        assert found is not None
        return found


def booked(client: TestClient, clinic: Clinic, desk: SignedIn, n: int, **extra: Any) -> Any:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "patient": patient_details(n)} | extra  # fmt: skip
    response = book(client, body, desk.headers)
    assert response.status_code == 201, response.text
    return response.json()
