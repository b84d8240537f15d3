"""The audit log: who did what and when, in the change's own transaction, and never a secret."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.models import AuditEvent, Patient, StaffSession, StaffUser
from core.clock import FrozenClock
from core.db import Database
from core.tokens import hash_token
from tests.conftest import FROZEN_NOW, PASSWORD, SignedIn
from tests.factories import make_patient

PATIENTS = "/api/v1/patients"


def _events(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def _patient_events(client: TestClient, headers: dict[str, str], patient_id: str) -> Any:
    response = client.get(f"{PATIENTS}/{patient_id}/audit", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _count_events(database: Database) -> int:
    with database.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


# --- what an event holds ----------------------------------------------------------------------


def test_creating_a_patient_records_who_when_and_what(
    client: TestClient, front_desk: SignedIn
) -> None:
    patient = make_patient(
        client, front_desk.headers,
        phone="(617) 555-0111", email="alex@example.com", sms_consent=True,
    )  # fmt: skip
    [event] = _patient_events(client, front_desk.headers, patient["id"])
    assert event["action"] == "patient.create"
    assert event["actor_kind"] == "staff"
    assert event["actor_id"] == str(front_desk.user_id)
    assert event["actor_label"] == front_desk.email
    assert datetime.fromisoformat(event["at"]) == FROZEN_NOW
    assert event["entity_type"] == "patients"
    assert event["entity_id"] == patient["id"]
    assert event["patient_id"] == patient["id"]
    assert event["before"] is None
    after = event["after"]
    assert after["id"] == patient["id"]
    assert after["given_name"] == "Alex"
    assert after["family_name"] == patient["family_name"]
    assert after["date_of_birth"] == "1985-03-14"
    assert after["phone"] == "+16175550111"
    assert after["email"] == "alex@example.com"
    assert after["contact_restriction"] == "none"
    assert datetime.fromisoformat(after["sms_consent_at"]) == FROZEN_NOW
    assert after["email_consent_at"] is None


def test_a_patch_records_only_the_fields_that_changed(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock
) -> None:
    patient = make_patient(
        client, front_desk.headers, phone="617-555-0111", email="alex@example.com"
    )
    clock.advance(timedelta(minutes=10))
    response = client.patch(
        f"{PATIENTS}/{patient['id']}",
        json={"email": "new@example.com", "given_name": "Alex", "phone": "(617) 555-0111"},
        headers=front_desk.headers,
    )
    assert response.status_code == 200
    latest = _patient_events(client, front_desk.headers, patient["id"])[0]
    assert latest["action"] == "patient.update"
    assert datetime.fromisoformat(latest["at"]) == FROZEN_NOW + timedelta(minutes=10)
    assert latest["before"] == {"email": "alex@example.com"}
    assert latest["after"] == {"email": "new@example.com"}


def test_a_patch_that_changes_nothing_records_nothing(
    client: TestClient, front_desk: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    response = client.patch(
        f"{PATIENTS}/{patient['id']}", json={"given_name": "Alex"}, headers=front_desk.headers
    )
    assert response.status_code == 200
    events = _patient_events(client, front_desk.headers, patient["id"])
    assert [e["action"] for e in events] == ["patient.create"]


def test_consent_changes_are_audited_as_moments(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock
) -> None:
    patient = make_patient(client, front_desk.headers)
    clock.advance(timedelta(hours=1))
    client.patch(
        f"{PATIENTS}/{patient['id']}", json={"sms_consent": True}, headers=front_desk.headers
    )
    latest = _patient_events(client, front_desk.headers, patient["id"])[0]
    assert latest["before"] == {"sms_consent_at": None}
    assert set(latest["after"]) == {"sms_consent_at"}
    assert datetime.fromisoformat(latest["after"]["sms_consent_at"]) == clock.now()


# --- listing ----------------------------------------------------------------------------------


def test_a_patients_history_is_newest_first_and_only_theirs(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn, clock: FrozenClock
) -> None:
    mine = make_patient(client, front_desk.headers)
    other = make_patient(client, front_desk.headers, phone=None, email=None)
    clock.advance(timedelta(minutes=1))
    client.patch(f"{PATIENTS}/{mine['id']}", json={"given_name": "Al"}, headers=front_desk.headers)
    clock.advance(timedelta(minutes=1))
    client.post(
        f"{PATIENTS}/{mine['id']}/gates",
        json={"gate": "consult_completed"},
        headers=clinician_login.headers,
    )
    clock.advance(timedelta(minutes=1))
    client.patch(f"{PATIENTS}/{other['id']}", json={"given_name": "Bo"}, headers=front_desk.headers)

    events = _patient_events(client, front_desk.headers, mine["id"])
    assert [e["action"] for e in events] == [
        "patient.gate.consult_completed",
        "patient.update",
        "patient.create",
    ]
    assert {e["patient_id"] for e in events} == {mine["id"]}
    stamps = [datetime.fromisoformat(e["at"]) for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] == FROZEN_NOW + timedelta(minutes=2)


def test_the_audit_route_filters_by_patient(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock
) -> None:
    mine = make_patient(client, front_desk.headers)
    other = make_patient(client, front_desk.headers, phone=None, email=None)
    clock.advance(timedelta(minutes=1))
    client.patch(f"{PATIENTS}/{mine['id']}", json={"given_name": "Al"}, headers=front_desk.headers)
    events = _events(client, front_desk.headers, patient_id=mine["id"])
    assert [e["action"] for e in events] == ["patient.update", "patient.create"]
    assert {e["entity_id"] for e in events} == {mine["id"]}
    theirs = _events(client, front_desk.headers, patient_id=other["id"])
    assert [(e["action"], e["entity_id"]) for e in theirs] == [("patient.create", other["id"])]


def test_the_audit_route_filters_by_entity(
    client: TestClient, admin: SignedIn, front_desk: SignedIn
) -> None:
    make_patient(client, front_desk.headers)
    events = _events(client, admin.headers, entity_type="staff_users")
    assert events, "signing in records staff events"
    assert {e["entity_type"] for e in events} == {"staff_users"}
    mine = _events(client, admin.headers, entity_id=str(front_desk.user_id))
    # both happened at the same frozen instant, so their order is not asserted
    assert sorted(e["action"] for e in mine) == ["staff.create", "staff.login"]
    assert {e["entity_id"] for e in mine} == {str(front_desk.user_id)}


def test_reading_the_audit_log_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/api/v1/audit")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


# --- one transaction --------------------------------------------------------------------------


def test_a_refused_patch_leaves_no_event_and_no_change(
    client: TestClient, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers, sms_consent=True)
    before = _count_events(database)
    response = client.patch(
        f"{PATIENTS}/{patient['id']}",
        json={"given_name": "Changed", "date_of_birth": "2030-01-01"},
        headers=front_desk.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_of_birth"
    assert _count_events(database) == before
    with database.session(write=False) as session:
        stored = session.get(Patient, uuid.UUID(patient["id"]))
        assert stored is not None
        assert stored.given_name == "Alex"


def test_a_refused_gate_leaves_no_event_and_no_change(
    client: TestClient, front_desk: SignedIn, clinician_login: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    before = _count_events(database)
    response = client.post(
        f"{PATIENTS}/{patient['id']}/gates",
        json={"gate": "consent_signed", "at": "2026-12-01T00:00:00Z"},
        headers=clinician_login.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "gate_in_future"
    assert _count_events(database) == before
    with database.session(write=False) as session:
        stored = session.get(Patient, uuid.UUID(patient["id"]))
        assert stored is not None
        assert stored.consent_signed_at is None


def test_a_refused_registration_leaves_no_event_and_no_patient(
    client: TestClient, front_desk: SignedIn, database: Database
) -> None:
    first = make_patient(client, front_desk.headers)
    before = _count_events(database)
    again = {k: first[k] for k in ("given_name", "family_name", "date_of_birth")}
    response = client.post(PATIENTS, json=again, headers=front_desk.headers)
    assert response.status_code == 409
    assert _count_events(database) == before
    with database.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1


def test_the_change_and_its_event_commit_together(
    client: TestClient, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    with database.session(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.entity_id == uuid.UUID(patient["id"]))
            )
        )
        stored = session.get(Patient, uuid.UUID(patient["id"]))
    assert stored is not None
    assert [e.action for e in events] == ["patient.create"]
    assert events[0].at == stored.created_at == FROZEN_NOW


# --- staff sign-in and secrets -----------------------------------------------------------------


def test_a_login_is_audited_as_the_person_who_signed_in(
    client: TestClient, admin: SignedIn
) -> None:
    events = _events(client, admin.headers, entity_id=str(admin.user_id))
    logins = [e for e in events if e["action"] == "staff.login"]
    assert len(logins) == 1
    assert logins[0]["actor_kind"] == "staff"
    assert logins[0]["actor_id"] == str(admin.user_id)
    assert logins[0]["actor_label"] == admin.email
    assert logins[0]["entity_type"] == "staff_users"
    assert datetime.fromisoformat(logins[0]["at"]) == FROZEN_NOW
    assert set(logins[0]["after"]) == {"session_id"}


def test_secrets_never_reach_the_audit_log(
    client: TestClient, admin: SignedIn, database: Database, clock: FrozenClock
) -> None:
    new_password = "a brand new passphrase 2026"
    created = client.post(
        "/api/v1/staff",
        json={"email": "kim@clinic.example", "name": "Kim", "role": "front_desk",
              "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert created.status_code == 201
    user_id = created.json()["id"]
    login = client.post(
        "/api/v1/auth/login", json={"email": "kim@clinic.example", "password": PASSWORD}
    )
    assert login.status_code == 200
    token = login.json()["access_token"]
    kim = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=kim).status_code == 204
    clock.advance(timedelta(minutes=1))
    changed = client.patch(
        f"/api/v1/staff/{user_id}", json={"password": new_password}, headers=admin.headers
    )
    assert changed.status_code == 200
    relogin = client.post(
        "/api/v1/auth/login", json={"email": "kim@clinic.example", "password": new_password}
    )
    assert relogin.status_code == 200
    second_token = relogin.json()["access_token"]

    with database.session(write=False) as session:
        rows = list(session.scalars(select(AuditEvent)))
        hashes = list(session.scalars(select(StaffUser.password_hash)))
        token_hashes = list(session.scalars(select(StaffSession.token_hash)))
    actions = {row.action for row in rows}
    assert {"staff.create", "staff.login", "staff.logout", "staff.password_change"} <= actions
    assert (
        hash_token(token) in token_hashes
    )  # the hashes exist, so their absence below means something
    assert len(hashes) == 2
    logged = [json.dumps([row.before, row.after, row.reason, row.actor_label]) for row in rows]
    secrets = [PASSWORD, new_password, token, second_token, "$argon2", *hashes, *token_hashes]
    for text in logged:
        for secret in secrets:
            assert secret not in text
    for row in rows:
        for values in (row.before or {}, row.after or {}):
            assert not {"password", "password_hash", "token", "token_hash"} & set(values)


def test_the_password_change_event_names_the_account_but_holds_no_values(
    client: TestClient, admin: SignedIn, front_desk: SignedIn
) -> None:
    response = client.patch(
        f"/api/v1/staff/{front_desk.user_id}",
        json={"password": "another long passphrase"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    events = _events(client, admin.headers, entity_id=str(front_desk.user_id))
    [change] = [e for e in events if e["action"] == "staff.password_change"]
    assert change["actor_id"] == str(admin.user_id)
    assert change["before"] is None
    assert change["after"] is None
    assert not [e for e in events if e["action"] == "staff.update"]  # nothing else changed


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    client: TestClient, front_desk: SignedIn, clock: FrozenClock, admin: SignedIn
) -> None:
    login = "/api/v1/auth/login"
    for _ in range(5):
        wrong = client.post(login, json={"email": front_desk.email, "password": "wrong guess"})
        assert wrong.status_code == 401
    locked = client.post(login, json={"email": front_desk.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["code"] == "too_many_attempts"
    events = _events(client, admin.headers, entity_id=str(front_desk.user_id))
    assert "staff.locked_out" in [e["action"] for e in events]

    clock.advance(timedelta(minutes=14))
    still = client.post(login, json={"email": front_desk.email, "password": PASSWORD})
    assert still.status_code == 429
    clock.advance(timedelta(minutes=2))
    lifted = client.post(login, json={"email": front_desk.email, "password": PASSWORD})
    assert lifted.status_code == 200
    assert lifted.json()["user"]["id"] == str(front_desk.user_id)


def test_four_wrong_passwords_do_not_lock(client: TestClient, front_desk: SignedIn) -> None:
    login = "/api/v1/auth/login"
    for _ in range(4):
        wrong = client.post(login, json={"email": front_desk.email, "password": "wrong guess"})
        assert wrong.status_code == 401
    right = client.post(login, json={"email": front_desk.email, "password": PASSWORD})
    assert right.status_code == 200


def test_only_admins_read_the_whole_log(
    client: TestClient, admin: SignedIn, front_desk: SignedIn
) -> None:
    whole = client.get("/api/v1/audit", headers=front_desk.headers)
    assert whole.status_code == 403
    assert whole.json()["code"] == "forbidden"
    assert client.get("/api/v1/audit", headers=admin.headers).status_code == 200


def test_events_of_one_instant_keep_the_order_they_were_written_in(
    client: TestClient, front_desk: SignedIn
) -> None:
    patient = make_patient(client, front_desk.headers)
    for name in ("First", "Second", "Third"):  # the frozen clock never moves here
        response = client.patch(f"/api/v1/patients/{patient['id']}", headers=front_desk.headers,
                                json={"given_name": name})  # fmt: skip
        assert response.status_code == 200
    events = client.get(f"/api/v1/patients/{patient['id']}/audit", headers=front_desk.headers)
    names = [e["after"]["given_name"] for e in events.json() if e["action"] == "patient.update"]
    assert names == ["Third", "Second", "First"]
