"""Staff replies by SMS: POST /api/v1/inbox/{id}/reply and /api/v1/patients/{id}/messages,
sent through the outbox with the real twilio SDK against the loopback fake, under consent,
opt-out, quiet hours (overridable with an audited reason) and the privacy deny-list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from notifications.channels.twilio_sms import TwilioSms
from tests.booking.api.conftest import Clinic, patient_details
from tests.booking.api.inbound_helpers import booked, settings, text
from tests.conftest import SignedIn
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

__all__ = ["settings"]  # the signed-webhook settings
INBOX = "/api/v1/inbox"
TEN_PM_IN_NEW_YORK = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


@pytest.fixture
def dispatcher(
    database: Database, settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio
) -> Dispatcher:
    sms = TwilioSms(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+16175550000",
        api_base=fake_twilio.base_url,
    )  # fmt: skip
    return Dispatcher.build(database, settings, clock, {ChannelKind.SMS: sms})


def _inbound(client: TestClient, staff: SignedIn, body: str, phone: str) -> dict[str, Any]:
    text(client, body, phone)
    rows = client.get(INBOX, headers=staff.headers).json()
    found: dict[str, Any] = next(r for r in rows if r["body"] == body)
    return found


def _reply(client: TestClient, staff: SignedIn, message_id: str, **body: Any) -> Any:
    return client.post(f"{INBOX}/{message_id}/reply", json=body, headers=staff.headers)


def _replies_sent(fake_twilio: FakeTwilio, phone: str, body: str) -> list[str]:
    """Texts to ``phone`` that are the reply ``body``: as written, and followed by the consent
    wording when it was the number's first text (it may go before the visit's confirmation,
    both being due at the same instant)."""
    return [
        sms.body for sms in fake_twilio.to(phone) if sms.body.split(" Harbor Clinic ")[0] == body
    ]


def test_a_reply_goes_by_sms_is_audited_and_joins_the_conversation(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn,
    dispatcher: Dispatcher, fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    patient_id = booked(client, clinic, front_desk, 31)["appointment"]["patient_id"]
    message = _inbound(client, front_desk, "can I bring my dog", "+16175550031")
    answer = _reply(client, front_desk, message["id"], text="  Yes, dogs are welcome.  ")
    assert answer.status_code == 201, answer.text
    reply = answer.json()
    assert (reply["direction"], reply["status"], reply["body"]) == (
        "out", "pending", "Yes, dogs are welcome.",
    )  # fmt: skip
    assert reply["in_reply_to"] == message["id"]
    assert reply["sent_by"] == str(front_desk.user_id)
    dispatcher.run_once()
    assert _replies_sent(fake_twilio, "+16175550031", "Yes, dogs are welcome.") != []
    url = f"/api/v1/patients/{patient_id}/messages"
    talk = client.get(url, headers=front_desk.headers).json()
    assert [(e["direction"], e["body"]) for e in talk] == [
        ("in", "can I bring my dog"), ("out", "Yes, dogs are welcome."),
    ]  # fmt: skip
    assert talk[1]["status"] == "sent"
    events = client.get("/api/v1/audit", params={"entity_id": reply["id"]}, headers=admin.headers)
    assert [e["action"] for e in events.json()] == ["patient.sms_reply"]


def test_an_opted_out_number_is_409_opted_out_and_queues_nothing(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    patient_id = booked(client, clinic, front_desk, 32)["appointment"]["patient_id"]
    message = _inbound(client, front_desk, "where do I park", "+16175550032")
    text(client, "STOP", "+16175550032")
    refused = _reply(client, front_desk, message["id"], text="Lot B, behind the building.")
    assert refused.status_code == 409
    assert refused.json()["code"] == "opted_out"
    assert "START" in refused.json()["detail"]
    assert refused.json()["opted_out_at"].startswith("2026-")
    direct = client.post(
        f"/api/v1/patients/{patient_id}/messages", json={"text": "Hello"},
        headers=front_desk.headers,
    )  # fmt: skip
    assert (direct.status_code, direct.json()["code"]) == (409, "opted_out")
    # Staff ticking consent again does not override the number's own STOP.
    patch = {"sms_consent": True}
    url = f"/api/v1/patients/{patient_id}"
    assert client.patch(url, json=patch, headers=front_desk.headers).status_code == 200
    again = _reply(client, front_desk, message["id"], text="Lot B, behind the building.")
    assert (again.status_code, again.json()["code"]) == (409, "opted_out")
    dispatcher.run_once()
    assert _replies_sent(fake_twilio, "+16175550032", "Lot B, behind the building.") == []


def test_a_patient_who_never_consented_is_409_no_sms_consent(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    patient = patient_details(36) | {"sms_consent": False}
    made = client.post("/api/v1/patients", json=patient, headers=front_desk.headers)
    assert made.status_code == 201, made.text
    refused = client.post(
        f"/api/v1/patients/{made.json()['id']}/messages", json={"text": "Hello"},
        headers=front_desk.headers,
    )  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (409, "no_sms_consent")
    assert "consent" in refused.json()["detail"]


def test_an_opt_out_after_the_reply_was_written_stops_the_send(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    booked(client, clinic, front_desk, 33)
    message = _inbound(client, front_desk, "is there wifi", "+16175550033")
    assert (
        _reply(client, front_desk, message["id"], text="Yes, ask at the desk.").status_code == 201
    )
    text(client, "unsubscribe", "+16175550033")
    dispatcher.run_once()
    assert _replies_sent(fake_twilio, "+16175550033", "Yes, ask at the desk.") == []


@pytest.mark.parametrize("words", ["Your ketamine dose is ready", "About your PTSD: call us"])
def test_a_drug_or_diagnosis_word_is_refused(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, words: str
) -> None:
    booked(client, clinic, front_desk, 34)
    message = _inbound(client, front_desk, "question", "+16175550034")
    refused = _reply(client, front_desk, message["id"], text=words)
    assert refused.status_code == 422
    assert refused.json()["code"] == "forbidden_words"
    assert refused.json()["words"] in (["ketamine"], ["ptsd"])


def test_quiet_hours_need_a_reason_which_is_audited_and_then_it_goes_at_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn,
    clock: FrozenClock, dispatcher: Dispatcher, fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    booked(client, clinic, front_desk, 35)
    message = _inbound(client, front_desk, "running late tomorrow?", "+16175550035")
    clock.set(TEN_PM_IN_NEW_YORK)
    blocked = _reply(client, front_desk, message["id"], text="No problem, see you then.")
    assert (blocked.status_code, blocked.json()["code"]) == (409, "quiet_hours")
    reason = "patient asked for an answer tonight"
    sent = _reply(
        client, front_desk, message["id"], text="No problem, see you then.",
        quiet_hours_reason=reason,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["quiet_hours_reason"] == reason
    events = client.get(
        "/api/v1/audit", params={"entity_id": sent.json()["id"]}, headers=admin.headers
    ).json()
    assert events[0]["after"]["quiet_hours_reason"] == reason
    dispatcher.run_once()  # not deferred to the morning: staff chose to send it now
    assert _replies_sent(fake_twilio, "+16175550035", "No problem, see you then.") != []


def test_a_text_from_an_unknown_number_cannot_be_replied_to(
    client: TestClient, front_desk: SignedIn
) -> None:
    message = _inbound(client, front_desk, "who is this", "+16175550777")
    refused = _reply(client, front_desk, message["id"], text="The clinic.")
    assert (refused.status_code, refused.json()["code"]) == (409, "reply_needs_patient")
    blank = _reply(client, front_desk, message["id"], text="   ")
    assert (blank.status_code, blank.json()["code"]) == (422, "validation_error")


def test_a_staff_text_that_is_the_numbers_first_carries_the_consent_wording_once(
    client: TestClient, front_desk: SignedIn, dispatcher: Dispatcher, fake_twilio: FakeTwilio
) -> None:
    made = client.post("/api/v1/patients", json=patient_details(37), headers=front_desk.headers)
    assert made.status_code == 201, made.text
    url = f"/api/v1/patients/{made.json()['id']}/messages"
    for words in ("Welcome to the clinic.", "See you soon."):
        sent = client.post(url, json={"text": words}, headers=front_desk.headers)
        assert sent.status_code == 201, sent.text
        dispatcher.run_once()
    first, second = (sms.body for sms in fake_twilio.to("+16175550037"))
    assert first.startswith("Welcome to the clinic. Harbor Clinic appointment texts")
    assert "Msg & data rates may apply. Reply STOP to opt out, HELP for help." in first
    assert second == "See you soon."
