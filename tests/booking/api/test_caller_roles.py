"""A caller without a staff token gets patient rules, whatever its request says: no body
field, query parameter or route gives it the clinic's powers (no minimum notice, staff-only
types, booking by patient id, waiving the escort, cancelling on the clinic's behalf).

The frozen clock stands at Thursday 2026-11-26 10:00 in New York; the online minimum notice
is 12 hours, the late-cancel window 24 hours.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.api.deps import caller_context, public_context
from booking.models import ActorKind, Appointment, BookedBy
from booking.services import changes
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from tests.booking.api.conftest import Clinic, book, patient_details
from tests.conftest import SignedIn
from tests.factories import make_patient

THURSDAY_3PM = "2026-11-26T15:00:00-05:00"  # five hours away: inside the online notice


def _thursday(client: TestClient, type_id: str, headers: dict[str, str] | None = None) -> Any:
    query = {"appointment_type_id": type_id, "start": "2026-11-26", "end": "2026-11-26"}
    asked = query | {"staff": "true", "booked_by": "staff", "role": "admin"}
    return client.get("/api/v1/availability", params=asked, headers=headers or {})


def test_the_public_contexts_are_an_anonymous_patient(
    database: Database, clock: FrozenClock, settings: Settings
) -> None:
    with database.session(write=False) as session:
        public = asyncio.run(public_context(session, clock, settings))
        caller = asyncio.run(caller_context(session, clock, settings, None))
    for ctx in (public, caller):
        assert ctx.actor.kind is ActorKind.PATIENT
        assert not ctx.actor.acts_for_clinic


def test_minimum_notice_holds_for_a_public_caller_whatever_it_asks(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    public = _thursday(client, clinic.consult["id"])
    assert public.status_code == 200, public.text
    assert public.json()["slots"] == []
    desk = _thursday(client, clinic.consult["id"], front_desk.headers)
    assert THURSDAY_3PM in [slot["starts_at"] for slot in desk.json()["slots"]]
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": THURSDAY_3PM}
    refused = book(client, body | {"patient": patient_details(7)})
    assert refused.status_code == 422, refused.text
    for claim in ({"staff": True}, {"booked_by": "staff"}):
        claimed = book(client, body | {"patient": patient_details(7)} | claim)
        assert claimed.status_code == 422
        assert claimed.json()["code"] == "validation_error"


def test_a_public_caller_cannot_book_as_the_desk_does(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    known = make_patient(client, front_desk.headers)
    friday = "2026-11-27T11:00:00-05:00"
    staff_only = {"appointment_type_id": clinic.infusion["id"], "starts_at": friday}
    waived = staff_only | {"patient": patient_details(8), "gate_override_reason": "ride later"}
    assert book(client, waived).status_code == 401
    by_id = {"appointment_type_id": clinic.consult["id"], "starts_at": friday}
    refused = book(client, by_id | {"patient_id": known["id"]})
    assert refused.status_code == 403
    booked = book(client, by_id | {"patient": patient_details(9)})
    assert booked.status_code == 201, booked.text
    assert "booked_by" not in booked.json()["appointment"]


def test_who_booked_is_the_caller_as_the_context_says(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    friday = {"appointment_type_id": clinic.consult["id"], "starts_at": "2026-11-27T11:00:00-05:00"}
    online = book(client, friday | {"patient": patient_details(11)})
    desk = book(client, friday | {"starts_at": "2026-11-27T13:00:00-05:00",
                                  "patient": patient_details(12)}, front_desk.headers)  # fmt: skip
    assert (online.status_code, desk.status_code) == (201, 201), desk.text
    ids = {uuid.UUID(r.json()["appointment"]["id"]): who for r, who in ((online, "patient"),
                                                                      (desk, "staff"))}  # fmt: skip
    with database.session(write=False) as session:
        stored = {row.id: row.booked_by for row in session.scalars(select(Appointment))}
    assert stored == {
        id_: BookedBy.PATIENT if who == "patient" else BookedBy.STAFF for id_, who in ids.items()
    }
    assert all(type(value) is BookedBy for value in stored.values())


def test_a_patient_cannot_cancel_on_the_clinics_behalf(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    clock: FrozenClock,
) -> None:  # fmt: skip
    patient = make_patient(client, front_desk.headers)
    body = {"appointment_type_id": clinic.consult["id"], "patient_id": patient["id"]}
    ids = []
    for start in (THURSDAY_3PM, "2026-11-26T16:00:00-05:00"):
        booked = book(client, body | {"starts_at": start}, front_desk.headers)
        assert booked.status_code == 201, booked.text
        ids.append(uuid.UUID(booked.json()["appointment"]["id"]))
    patient_id = uuid.UUID(patient["id"])
    with database.session() as session:
        as_patient = Context(session, Actor.patient(patient_id, "manage link"), clock.now())
        mine = changes.load(as_patient, ids[0])
        changes.cancel(as_patient, appointment=mine, reason="", by_clinic=True)
        as_desk = as_patient.acting_as(Actor.staff(front_desk.user_id, front_desk.email))
        theirs = changes.load(as_desk, ids[1])
        changes.cancel(as_desk, appointment=theirs, reason="", by_clinic=True)
    with database.session(write=False) as session:
        late = {row.id: row.late_cancel for row in session.scalars(select(Appointment))}
    assert late == {ids[0]: True, ids[1]: False}


def test_a_slot_a_patient_frees_inside_the_online_notice_still_goes_to_the_waitlist(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    """The desk books the waiting patient, so the freed slot is checked as the desk books."""
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": THURSDAY_3PM}
    booked = book(client, body | {"patient": patient_details(10)}, front_desk.headers)
    assert booked.status_code == 201, booked.text
    waiting = make_patient(client, front_desk.headers)
    entry = client.post("/api/v1/waitlist", headers=front_desk.headers, json={
        "patient_id": waiting["id"], "appointment_type_id": clinic.consult["id"],
        "earliest": "2026-11-26", "latest": "2026-11-26",
    })  # fmt: skip
    assert entry.status_code == 201, entry.text
    token = booked.json()["manage_token"]
    cancelled = client.post(f"/api/v1/manage/{token}/cancel", json={"reason": ""})
    assert cancelled.status_code == 200, cancelled.text
    entries = client.get("/api/v1/waitlist", headers=front_desk.headers).json()
    assert [(e["status"], e["matched_starts_at"]) for e in entries] == [
        ("matched", "2026-11-26T15:00:00-05:00")
    ]
