"""Waitlist offers: a freed slot is held for the longest-waiting fitting patient and offered
on their consented channel (real twilio SDK against the loopback fake, SMTP to the loopback
server), taken or let go through the secret link, and passed on when it expires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from notifications.privacy import forbidden_terms_in
from tests.booking.api.conftest import MONDAY_9, Clinic, book
from tests.booking.api.inbound_helpers import text
from tests.booking.api.offer_helpers import (
    dispatcher,
    entries,
    free_monday_9,
    join,
    settings,
    sms_tokens,
    token_in,
)
from tests.conftest import SignedIn
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import OPTED_OUT, FakeTwilio

__all__ = ["dispatcher", "settings"]
OFFERS = "/api/v1/offers"


def _offer(client: TestClient, token: str, action: str = "", **body: Any) -> Any:
    if not action:
        return client.get(f"{OFFERS}/{token}")
    return client.post(f"{OFFERS}/{token}/{action}", json=body or None)


def test_a_cancelled_slot_is_offered_by_text_and_taking_it_books_it(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    waiting = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    shown = entries(client, front_desk)[waiting["entry"]["id"]]
    assert (shown["status"], shown["offer_status"], shown["offer_channel"]) == (
        "matched", "offered", "sms",
    )  # fmt: skip
    # Frozen at 10:00 New York time: held for 30 minutes from now.
    assert shown["offer_expires_at"] == "2026-11-26T10:30:00-05:00"
    # The slot is held: nobody else can take it meanwhile.
    hold = client.post("/api/v1/holds", json={
        "appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
        "clinician_id": clinic.clinicians[0]["id"]})  # fmt: skip
    assert (hold.status_code, hold.json()["code"]) == (409, "slot_taken"), hold.text
    dispatcher.run_once()
    [sms] = fake_twilio.to(waiting["patient"]["phone"])
    assert "Harbor Clinic" in sms.body
    assert "Mon 30 Nov, 9:00 AM EST" in sms.body
    assert "until 10:30 AM EST" in sms.body
    assert forbidden_terms_in(sms.body) == []
    token = token_in(sms.body)
    seen = _offer(client, token).json()
    assert (seen["status"], seen["starts_at"]) == ("offered", MONDAY_9)
    taken = _offer(client, token, "accept")
    assert taken.status_code == 201, taken.text
    assert taken.json()["appointment"]["starts_at"] == MONDAY_9
    assert "/manage/" in taken.json()["manage_url"]
    shown = entries(client, front_desk)[waiting["entry"]["id"]]
    assert (shown["status"], shown["offer_status"]) == ("booked", "accepted")
    again = _offer(client, token, "accept")
    assert (again.status_code, again.json()["code"]) == (409, "offer_taken")


def test_an_offer_not_taken_in_time_passes_to_the_next_patient(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, clock: FrozenClock,
) -> None:  # fmt: skip
    first = join(client, clinic, front_desk)
    clock.advance(timedelta(minutes=1))
    second = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    dispatcher.run_once()
    [late_token] = sms_tokens(fake_twilio, first["patient"]["phone"])
    assert fake_twilio.to(second["patient"]["phone"]) == []
    clock.advance(timedelta(minutes=31))
    dispatcher.run_once()  # expires the first offer, offers the slot on and sends it
    [token] = sms_tokens(fake_twilio, second["patient"]["phone"])
    late = _offer(client, late_token, "accept")
    assert (late.status_code, late.json()["code"]) == (410, "offer_expired")
    shown = entries(client, front_desk)
    assert (shown[first["entry"]["id"]]["status"], shown[first["entry"]["id"]]["offer_status"]) == (
        "waiting", "expired",
    )  # fmt: skip
    assert shown[second["entry"]["id"]]["offer_status"] == "offered"
    assert _offer(client, token, "accept").status_code == 201


def test_letting_an_offer_go_offers_the_slot_to_the_next_patient_at_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, clock: FrozenClock,
) -> None:  # fmt: skip
    first = join(client, clinic, front_desk)
    clock.advance(timedelta(minutes=1))
    second = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    dispatcher.run_once()
    [token] = sms_tokens(fake_twilio, first["patient"]["phone"])
    declined = _offer(client, token, "decline")
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    dispatcher.run_once()
    assert len(sms_tokens(fake_twilio, second["patient"]["phone"])) == 1
    shown = entries(client, front_desk)
    assert shown[first["entry"]["id"]]["status"] == "waiting"  # keeps its place for later
    assert shown[second["entry"]["id"]]["status"] == "matched"
    assert _offer(client, token, "accept").json()["code"] == "offer_taken"


def test_an_opted_out_number_gets_the_offer_by_email_and_no_channel_leaves_it_to_staff(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, fake_smtp: FakeSmtp, clock: FrozenClock,
) -> None:  # fmt: skip
    both = join(client, clinic, front_desk, email_consent=True)
    fake_twilio.fail(both["patient"]["phone"], OPTED_OUT)
    free_monday_9(client, clinic, front_desk)
    dispatcher.run_once()  # the text is refused (21610): the number is opted out
    dispatcher.run_once()  # the email fallback goes
    assert fake_twilio.to(both["patient"]["phone"]) == []
    [mail] = [m for m in fake_smtp.received if both["patient"]["email"] in m.rcpt_tos]
    body = mail.message.get_body(("plain",))
    assert body is not None
    token_in(body.get_content())
    assert forbidden_terms_in(str(mail.message["Subject"])) == []
    # Let it go; the next patient has no consented channel: the desk sees it, nothing is sent.
    nobody = join(client, clinic, front_desk, sms_consent=False)
    _offer(client, token_in(body.get_content()), "decline")
    shown = entries(client, front_desk)[nobody["entry"]["id"]]
    assert (shown["offer_status"], shown["offer_channel"]) == ("offered", None)
    dispatcher.run_once()
    assert fake_twilio.to(nobody["patient"]["phone"]) == []
    # Nothing holds the slot meanwhile: the desk calls the patient and books it for them.
    by_desk = {
        "appointment_type_id": clinic.consult["id"],
        "starts_at": MONDAY_9,
        "clinician_id": clinic.clinicians[0]["id"],
        "patient_id": nobody["patient"]["id"],
    }
    assert book(client, by_desk, front_desk.headers).status_code == 201


def test_consent_withdrawn_after_the_offer_was_planned_stops_the_text(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    waiting = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    url = f"/api/v1/patients/{waiting['patient']['id']}"
    changed = client.patch(url, json={"sms_consent": False}, headers=front_desk.headers)
    assert changed.status_code == 200, changed.text
    report = dispatcher.run_once()
    assert report.skipped == 1  # the offer; the freed visit's own cancellation still goes
    assert fake_twilio.to(waiting["patient"]["phone"]) == []


def test_leaving_the_waitlist_while_offered_ends_the_link_and_offers_the_slot_on(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, clock: FrozenClock,
) -> None:  # fmt: skip
    first = join(client, clinic, front_desk)
    clock.advance(timedelta(minutes=1))
    second = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    dispatcher.run_once()
    [token] = sms_tokens(fake_twilio, first["patient"]["phone"])
    left = client.delete(f"/api/v1/waitlist/{first['entry']['id']}", headers=front_desk.headers)
    assert left.status_code == 204
    assert _offer(client, token, "accept").json()["code"] == "offer_taken"
    dispatcher.run_once()
    assert len(sms_tokens(fake_twilio, second["patient"]["phone"])) == 1


def test_a_reschedule_away_offers_the_time_it_left(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    waiting = join(client, clinic, front_desk)
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": MONDAY_9,
            "clinician_id": clinic.clinicians[0]["id"],
            "patient": {"given_name": "Kim", "family_name": "Lee", "date_of_birth": "1980-01-01",
                        "phone": "+16175559911"}}  # fmt: skip
    booked = client.post("/api/v1/appointments", json=body, headers=front_desk.headers)
    assert booked.status_code == 201, booked.text
    moved = client.post(
        f"/api/v1/appointments/{booked.json()['appointment']['id']}/reschedule",
        json={"starts_at": "2026-12-01T11:00:00-05:00"}, headers=front_desk.headers,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    dispatcher.run_once()
    [sms] = fake_twilio.to(waiting["patient"]["phone"])
    assert "Mon 30 Nov, 9:00 AM EST" in sms.body


def test_a_number_that_replied_stop_is_offered_the_slot_by_email(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    waiting = join(client, clinic, front_desk, email_consent=True)
    assert text(client, "STOP", waiting["patient"]["phone"]).status_code == 200
    free_monday_9(client, clinic, front_desk)
    shown = entries(client, front_desk)[waiting["entry"]["id"]]
    assert shown["offer_channel"] == "email"
    dispatcher.run_once()
    assert [m for m in fake_smtp.received if waiting["patient"]["email"] in m.rcpt_tos] != []
    assert [s for s in fake_twilio.to(waiting["patient"]["phone"]) if "/offers/" in s.body] == []
