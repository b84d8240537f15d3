"""GET /api/v1/inbox and POST /api/v1/inbox/{id}/handled: urgent first, unread before
handled, audited, staff only."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.booking.api.conftest import Clinic
from tests.booking.api.inbound_helpers import booked, settings, text
from tests.conftest import SignedIn

__all__ = ["settings"]  # the signed-webhook settings, shared with the webhook tests
INBOX = "/api/v1/inbox"


def test_urgent_first_then_unread_then_handled(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clinician_login: SignedIn
) -> None:
    booked(client, clinic, front_desk, 20)
    text(client, "C", "+16175550020")  # handled by itself
    text(client, "can I bring my dog", "+16175550020")  # for staff
    text(client, "i feel suicidal", "+16175550020")  # urgent
    listed = client.get(INBOX, headers=clinician_login.headers)
    assert listed.status_code == 200, listed.text
    rows = listed.json()
    assert [(r["urgent"], r["state"], r["intent"]) for r in rows] == [
        (True, "unread", "staff"),
        (False, "unread", "staff"),
        (False, "handled", "confirm"),
    ]
    assert rows[0]["patient_id"] == rows[2]["patient_id"] is not None
    unread = client.get(INBOX, params={"state": "unread"}, headers=front_desk.headers).json()
    assert len(unread) == 2


def test_a_handled_crisis_falls_below_new_unread_texts(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    booked(client, clinic, front_desk, 21)
    text(client, "i feel suicidal", "+16175550021")
    (crisis,) = client.get(INBOX, headers=front_desk.headers).json()
    handled = client.post(f"{INBOX}/{crisis['id']}/handled", headers=front_desk.headers)
    assert handled.status_code == 200, handled.text
    text(client, "can I bring my dog", "+16175550021")
    rows = client.get(INBOX, headers=front_desk.headers).json()
    assert [(r["urgent"], r["state"]) for r in rows] == [(False, "unread"), (True, "handled")]


def test_marking_handled_records_who_and_is_audited_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, admin: SignedIn
) -> None:
    booked(client, clinic, front_desk, 21)
    text(client, "i want to die", "+16175550021")
    message = client.get(INBOX, headers=front_desk.headers).json()[0]
    done = client.post(f"{INBOX}/{message['id']}/handled", headers=front_desk.headers)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "handled"
    assert done.json()["handled_by"] == str(front_desk.user_id)
    again = client.post(f"{INBOX}/{message['id']}/handled", headers=front_desk.headers)
    assert again.json()["handled_at"] == done.json()["handled_at"]
    events = client.get("/api/v1/audit", params={"entity_id": message["id"]},
                        headers=admin.headers)  # fmt: skip
    assert [e["action"] for e in events.json()].count("inbound.handled") == 1


def test_an_unknown_message_is_404_and_anonymous_callers_401(
    client: TestClient, front_desk: SignedIn
) -> None:
    missing = client.post(f"{INBOX}/{uuid.uuid4()}/handled", headers=front_desk.headers)
    assert missing.status_code == 404
    assert client.get(INBOX).status_code == 401
