"""POST /webhooks/twilio/sms: signatures computed by the twilio SDK's own validator, replies
matched by phone and acted on, crisis words answered with 988 and 911."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.dispatching import Dispatcher, recheck
from booking.models import InboundMessage, Patient
from booking.services import inbound
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from notifications.channels.twilio_sms import TwilioSms
from scheduler.dispatch import Check
from scheduler.models import Notice
from scheduler.outbox import Due
from scheduler.rules import Audience, NoticeKind
from tests.booking.api.conftest import Clinic, patient_details
from tests.booking.api.inbound_helpers import (
    ESCORT,
    PATH,
    PUBLIC,
    appointment,
    booked,
    settings,
    stored,
    text,
)
from tests.conftest import SignedIn
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

__all__ = ["settings"]  # the signed-webhook settings for every test here


def test_unsigned_and_wrongly_signed_requests_are_403_and_change_nothing(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    visit = booked(client, clinic, front_desk, 1)["appointment"]
    fields = {"MessageSid": "SM1", "From": "+16175550001", "Body": "C"}
    unsigned = client.post(PATH, data=fields)
    wrong_token = text(client, "C", "+16175550001", token="not-the-token")
    wrong_url = text(client, "C", "+16175550001", url="http://testserver" + PATH)
    for response in (unsigned, wrong_token, wrong_url):
        assert response.status_code == 403
        assert response.json()["code"] == "invalid_signature"
    assert stored(database) == []
    assert appointment(database, visit["id"]).attendance_confirmed_at is None


def test_c_confirms_the_patients_next_visit_and_a_replay_changes_nothing(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    visit = booked(client, clinic, front_desk, 2)["appointment"]
    first = text(client, " Confirm! ", "+16175550002", sid="SMreplay")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/xml")
    assert "confirmed" in first.text
    assert appointment(database, visit["id"]).attendance_confirmed_at is not None
    again = text(client, " Confirm! ", "+16175550002", sid="SMreplay")
    assert again.text == first.text
    rows = stored(database)
    assert [(r.intent.value, r.action, r.sender.value) for r in rows] == [
        ("confirm", "confirmed", "patient")
    ]
    assert str(rows[0].appointment_id) == visit["id"]


def test_an_escort_confirms_the_ride_of_the_visit_they_escort(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    escort = {"name": "Pat Rivera", "phone": "617-555-0199"}
    visit = booked(client, clinic, front_desk, 3, escort=escort)["appointment"]
    assert text(client, "yes", ESCORT).status_code == 200
    seen = appointment(database, visit["id"])
    assert seen.ride_confirmed_at is not None
    assert seen.attendance_confirmed_at is None
    assert stored(database)[0].sender.value == "escort"
    shown = client.get(f"/api/v1/appointments/{visit['id']}", headers=front_desk.headers).json()
    assert shown["ride_confirmed_at"] is not None
    assert shown["attendance_confirmed_at"] is None


def test_a_number_two_patients_share_is_never_guessed(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    parent = booked(client, clinic, front_desk, 4)["appointment"]
    child = patient_details(5) | {"phone": "+16175550004", "date_of_birth": "2012-05-06"}
    made = client.post("/api/v1/patients", json=child, headers=front_desk.headers)
    assert made.status_code == 201, made.text
    response = text(client, "C", "+16175550004")
    assert response.status_code == 200
    assert "<Message>" not in response.text  # staff answer, not a guess
    row = stored(database)[0]
    assert (row.sender.value, row.action, row.patient_id, row.handled_at) == (
        "shared", "for_staff", None, None,
    )  # fmt: skip
    assert appointment(database, parent["id"]).attendance_confirmed_at is None


def test_crisis_words_are_urgent_and_answered_with_988_and_911(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    booked(client, clinic, front_desk, 6)
    response = text(client, "C but honestly i want to kill myself", "+16175550006")
    assert "988" in response.text
    assert "911" in response.text
    # No on-call address: the answer promises no alert nobody was sent.
    assert "alerted" not in response.text
    assert "Our staff will see your message when the clinic is open." in response.text
    row = stored(database)[0]
    assert row.urgent
    assert row.handled_at is None
    with database.session() as session:  # no on-call address set: the inbox alone shows it
        kinds = session.scalars(select(Notice.kind).where(Notice.appointment_id.is_(None)))
        assert list(kinds) == []
    top = client.get("/api/v1/inbox", headers=front_desk.headers).json()[0]
    assert (top["urgent"], top["state"], top["alert"]) == (True, "unread", "inbox_only")


def test_help_names_the_clinic_and_its_phone(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    booked(client, clinic, front_desk, 7)
    response = text(client, "HELP", "+16175550007")
    assert "Harbor Clinic" in response.text
    assert "617" in response.text


def test_r_answers_with_the_link_already_sent_and_it_still_works(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    made = booked(client, clinic, front_desk, 8)
    response = text(client, "R", "+16175550008")
    link = f"{PUBLIC}/manage/{made['manage_token']}"
    assert link in response.text
    assert client.get(f"/api/v1/manage/{made['manage_token']}").status_code == 200
    row = stored(database)[0]
    assert (row.action, row.handled_at) == ("link_sent", None)  # the front desk sees it
    (shown,) = client.get("/api/v1/inbox", headers=front_desk.headers).json()
    assert made["manage_token"] not in str(shown)  # staff never see the patient's credential
    assert "/manage/[hidden]" in shown["answer"]


def test_stop_opts_out_at_once_and_start_opts_back_in(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    patient_id = booked(client, clinic, front_desk, 9)["appointment"]["patient_id"]
    assert "no more texts" in text(client, "stop.", "+16175550009").text
    with database.session() as session:
        patient = session.get(Patient, uuid.UUID(patient_id))
        assert patient is not None
        assert patient.sms_consent_at is None
    text(client, "START", "+16175550009")
    with database.session() as session:
        patient = session.get(Patient, uuid.UUID(patient_id))
        assert patient is not None
        assert patient.sms_consent_at is not None


def test_yes_opts_a_stopped_number_back_in_and_confirms_nothing(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn
) -> None:
    visit = booked(client, clinic, front_desk, 9)["appointment"]
    text(client, "STOP", "+16175550009")
    text(client, "Yes", "+16175550009")
    with database.session() as session:
        patient = session.get(Patient, uuid.UUID(visit["patient_id"]))
        assert patient is not None
        assert patient.sms_consent_at is not None
    assert appointment(database, visit["id"]).attendance_confirmed_at is None
    text(client, "YES", "+16175550009")  # now consenting: a YES confirms, like C
    assert appointment(database, visit["id"]).attendance_confirmed_at is not None


@pytest.fixture
def twilio_sms(fake_twilio: FakeTwilio) -> TwilioSms:
    return TwilioSms(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+16175550000",
        api_base=fake_twilio.base_url,
    )  # fmt: skip


def test_an_opt_out_between_planning_and_sending_stops_the_send(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio, twilio_sms: TwilioSms,
) -> None:  # fmt: skip
    booked(client, clinic, front_desk, 10)  # plans the confirmation, due now
    text(client, "Please stop texting me", "+16175550010")
    dispatcher = Dispatcher.build(database, settings, clock, {ChannelKind.SMS: twilio_sms})
    report = dispatcher.run_once()
    assert report.claimed >= 1  # the confirmation was due: refused at send time, not unplanned
    assert fake_twilio.to("+16175550010") == []
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def _escort_check(database: Database, clock: FrozenClock, visit: dict[str, Any]) -> Check:
    """What dispatch decides, at send time, about a pickup notice to the visit's escort."""
    due = Due(
        id=uuid.uuid4(), appointment_id=uuid.UUID(visit["id"]), key="test/pickup",
        kind=NoticeKind.PICKUP, audience=Audience.ESCORT, channel=ChannelKind.SMS,
        recipient=ESCORT, zone="America/New_York", due_at=clock.now(), send_before=None,
        attempts=1, context={}, fallbacks=(),
    )  # fmt: skip
    with database.session() as session:
        return recheck(session, due)


def test_an_escorts_stop_ends_texts_to_that_number_and_start_brings_them_back(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    escort = {"name": "Pat Rivera", "phone": "617-555-0199"}
    visit = booked(client, clinic, front_desk, 11, escort=escort)["appointment"]
    url = f"/api/v1/appointments/{visit['id']}"
    assert "<Message>" not in text(client, "don't stop", ESCORT).text
    assert _escort_check(database, clock, visit).ok
    assert "no more texts" in text(client, "STOP", ESCORT).text
    assert _escort_check(database, clock, visit) == Check(ok=False, reason="opted_out")
    shown = client.get(url, headers=front_desk.headers).json()
    assert shown["escort_sms_opted_out_at"] is not None
    assert shown["patient_sms_opted_out_at"] is None  # the patient's own texts go on
    assert shown["patient_sms_consent_at"] is not None
    assert shown["no_escort_messages"] is False  # the patient's own choice is untouched
    assert "texts are back on" in text(client, "unstop", ESCORT).text
    assert _escort_check(database, clock, visit).ok
    assert client.get(url, headers=front_desk.headers).json()["escort_sms_opted_out_at"] is None
    text(client, "Stop.", ESCORT)
    text(client, "START", ESCORT)
    assert _escort_check(database, clock, visit).ok
    assert [r.action for r in stored(database)] == [
        "for_staff", "opted_out", "opted_in", "opted_out", "opted_in",
    ]  # fmt: skip


def test_an_oversized_body_is_refused_unread_and_changes_nothing(
    client: TestClient, database: Database
) -> None:
    huge = {"MessageSid": "SM2", "From": "+16175550001", "Body": "x" * 70_000}
    response = client.post(PATH, data=huge)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert stored(database) == []


def test_a_signed_request_without_a_message_sid_is_422(client: TestClient) -> None:
    response = text(client, "C", "+16175550012", sid="")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_concurrent_retries_of_one_text_store_it_once_and_answer_alike(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # Twilio retries a slow webhook: the copies race, and none may fail on the unique sid.
    booked(client, clinic, front_desk, 30)
    message = inbound.Incoming(sid="SMrace", from_number="+16175550030", body="C")
    barrier = threading.Barrier(6)

    def deliver() -> str | None:
        barrier.wait()
        with database.session() as session:
            ctx = Context(session=session, actor=Actor.online(), now=clock.now())
            return inbound.receive(
                ctx, message=message, clinic_name="Harbor Clinic", public_url=PUBLIC
            )

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: deliver(), range(6)))
    assert len(set(answers)) == 1
    assert [row.message_sid for row in stored(database)] == ["SMrace"]


@pytest.mark.parametrize("body", ["Stop.", " STOP!! ", "\uff33\uff34\uff2f\uff30", "stop please"])
def test_stop_in_any_dress_opts_the_number_out_and_answers_so(
    client: TestClient, database: Database, clinic: Clinic, front_desk: SignedIn, body: str
) -> None:
    patient_id = booked(client, clinic, front_desk, 13)["appointment"]["patient_id"]
    answer = text(client, body, "+16175550013").text
    assert "no more texts" in answer
    assert "START" in answer
    shown = client.get(f"/api/v1/patients/{patient_id}", headers=front_desk.headers).json()
    assert shown["sms_opted_out_at"] is not None
    assert shown["sms_consent_at"] is None


def test_help_answers_with_the_clinic_its_phone_and_stop(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    booked(client, clinic, front_desk, 14)
    answer = text(client, "help!", "+16175550014").text
    for words in ("Harbor Clinic", "617", "Reply STOP to opt out", "Msg &amp; data rates"):
        assert words in answer
