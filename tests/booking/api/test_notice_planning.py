"""What booking plans with: the process's configured quiet hours, the type's REMS days, and
the facts a message needs (fasting times, the time a reschedule replaced)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking.dispatching import Dispatcher
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from notifications.channels.console import ConsoleChannel
from tests.booking.api.conftest import Clinic, book
from tests.booking.api.setup_helpers import expect_ok
from tests.conftest import SignedIn
from tests.factories import make_appointment_type, make_patient

START = "2026-12-10T10:00:00-05:00"  # two weeks after the frozen "now"
EARLY = "2026-12-09T08:30:00-05:00"  # a Wednesday; its SMS reminders fall at 08:30


@pytest.fixture
def settings(database: Database) -> Settings:
    """A stricter state's quiet hours: SMS only 09:00-20:00."""
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret", session_ttl_hours=24 * 30,
        quiet_hours_start=time(9, 0), quiet_hours_end=time(20, 0),
    )  # fmt: skip


def _notices(client: TestClient, appointment_id: str, who: SignedIn) -> dict[str, Any]:
    url = f"/api/v1/appointments/{appointment_id}/notices"
    return {n["kind"]: n for n in expect_ok(client.get(url, headers=who.headers))}


def test_sms_reminders_are_planned_with_the_configured_quiet_hours(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, clock: FrozenClock
) -> None:
    patient = make_patient(client, front_desk.headers, sms_consent=True)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": EARLY,
    }  # fmt: skip
    booked = expect_ok(book(client, body, front_desk.headers), 201)["appointment"]["id"]
    notices = _notices(client, booked, front_desk)
    day = notices["day_before"]
    assert (day["channel"], day["status"]) == ("sms", "pending")
    # 08:30 the day before is quiet from 09:00 on: the evening before that, at 20:00 (not
    # the default 21:00, and not 08:30 itself as the default hours would allow).
    due = datetime.fromisoformat(day["due_at"])
    assert due == datetime.fromisoformat("2026-12-07T20:00:00-05:00")
    assert datetime.fromisoformat(EARLY) - due > timedelta(hours=24)


def _esketamine(client: TestClient, clinic: Clinic, admin: SignedIn, **overrides: Any) -> Any:
    kind = make_appointment_type(
        client, admin.headers, name="Esk", public_name="Clinic session", kind="esketamine",
        clinician_minutes=30, room_kind="treatment_chair", room_minutes=150,
        online_bookable=False, **overrides,
    )  # fmt: skip
    for clinician in clinic.clinicians:
        types = [clinic.consult["id"], clinic.infusion["id"], kind["id"]]
        url = f"/api/v1/clinicians/{clinician['id']}"
        expect_ok(client.patch(url, json={"appointment_type_ids": types}, headers=admin.headers))
    return kind


def _discharged(
    client: TestClient, clinic: Clinic, kind: Any, desk: SignedIn, clinician: SignedIn,
    clock: FrozenClock,
) -> tuple[str, datetime]:  # fmt: skip
    """A session booked at START, checked in and completed: its id and discharge time."""
    patient = make_patient(client, desk.headers, sms_consent=True, email_consent=True)
    body = {
        "appointment_type_id": kind["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": START, "escort": {"name": "Pat Rivera", "phone": "617-555-0199"},
    }  # fmt: skip
    booked = expect_ok(book(client, body, desk.headers), 201)["appointment"]["id"]
    start = datetime.fromisoformat(START)
    clock.set(start - timedelta(minutes=5))
    url = f"/api/v1/appointments/{booked}"
    expect_ok(client.post(f"{url}/check-in", json={}, headers=desk.headers))
    clock.set(start + timedelta(hours=2, minutes=20))
    expect_ok(client.post(f"{url}/complete", json={}, headers=clinician.headers))
    return booked, clock.now()


def test_the_rems_task_falls_due_the_types_monitoring_form_days_after_the_session(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    clinician_login: SignedIn, clock: FrozenClock,
) -> None:  # fmt: skip
    kind = _esketamine(client, clinic, admin, monitoring_form_days=3)
    booked, discharged = _discharged(client, clinic, kind, front_desk, clinician_login, clock)
    rems = _notices(client, booked, front_desk)["rems_form"]
    assert (rems["audience"], rems["channel"], rems["status"]) == ("staff", None, "pending")
    assert datetime.fromisoformat(rems["due_at"]) == discharged + timedelta(days=3)
    url = f"/api/v1/appointment-types/{kind['id']}/notice-policy"
    rules = {r["kind"]: r for r in expect_ok(client.get(url, headers=admin.headers))["rules"]}
    assert rules["rems_form"]["offset_minutes"] == 3 * 24 * 60  # what GET shows is planned


def test_a_policy_change_replans_a_completed_sessions_pending_aftercare(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    clinician_login: SignedIn, clock: FrozenClock,
) -> None:  # fmt: skip
    kind = _esketamine(client, clinic, admin)
    booked, discharged = _discharged(client, clinic, kind, front_desk, clinician_login, clock)
    before = _notices(client, booked, front_desk)
    assert before["check_in"]["status"] == before["rems_form"]["status"] == "pending"
    url = f"/api/v1/appointment-types/{kind['id']}/notice-policy"
    rules = [
        {"kind": "check_in", "channels": ["email"]},
        {"kind": "rems_form", "offset_minutes": 2 * 24 * 60},
    ]
    expect_ok(client.put(url, json={"rules": rules}, headers=admin.headers))
    after = _notices(client, booked, front_desk)
    assert (after["check_in"]["id"], after["check_in"]["channel"]) == (
        before["check_in"]["id"], "email",
    )  # fmt: skip
    assert datetime.fromisoformat(after["rems_form"]["due_at"]) == discharged + timedelta(days=2)
    assert after["aftercare"]["status"] == before["aftercare"]["status"]  # untouched


CONSOLE = {kind: ConsoleChannel(kind) for kind in ChannelKind}


def _sent(client: TestClient, appointment_id: str, who: SignedIn, kind: str) -> Any:
    url = f"/api/v1/appointments/{appointment_id}/notices"
    found = expect_ok(client.get(url, headers=who.headers))
    (sent,) = [n for n in found if n["kind"] == kind and n["status"] == "sent"]
    return sent


def test_the_treatment_72_hour_email_gives_the_fasting_times_in_local_time(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    clinician_login: SignedIn, database: Database, settings: Settings, clock: FrozenClock,
) -> None:  # fmt: skip
    url = f"/api/v1/appointment-types/{clinic.infusion['id']}"
    fasts = {"fast_food_minutes": 360, "fast_liquids_minutes": 120}
    expect_ok(client.patch(url, json=fasts, headers=admin.headers))
    patient = make_patient(client, front_desk.headers, email_consent=True)
    for gate in ("consult_completed", "consent_signed"):
        client.post(f"/api/v1/patients/{patient['id']}/gates", json={"gate": gate},
                    headers=clinician_login.headers)  # fmt: skip
    body = {
        "appointment_type_id": clinic.infusion["id"], "starts_at": START,
        "patient_id": patient["id"], "escort": {"name": "Pat Rivera", "phone": "617-555-0199"},
    }  # fmt: skip
    booked = expect_ok(book(client, body, front_desk.headers), 201)["appointment"]["id"]
    clock.set(datetime.fromisoformat(START) - timedelta(hours=72))
    Dispatcher.build(database, settings, clock, channels=CONSOLE).run_once()
    email = _sent(client, booked, front_desk, "preparation")
    assert email["channel"] == "email"
    assert "No solid food after 4:00 AM EST (Thu 10 Dec)." in email["text"]
    assert "Clear liquids only until 8:00 AM EST (Thu 10 Dec), then nothing" in email["text"]
    assert "4:00 AM" not in email["subject"]  # the body only


def test_a_reschedule_notice_says_the_previous_time_and_the_new_one(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    settings: Settings, clock: FrozenClock,
) -> None:  # fmt: skip
    patient = make_patient(client, front_desk.headers, sms_consent=True, email_consent=True)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": START,
    }  # fmt: skip
    booked = expect_ok(book(client, body, front_desk.headers), 201)["appointment"]["id"]
    moved = {"starts_at": "2026-12-11T11:00:00-05:00"}
    url = f"/api/v1/appointments/{booked}/reschedule"
    expect_ok(client.post(url, json=moved, headers=front_desk.headers))
    Dispatcher.build(database, settings, clock, channels=CONSOLE).run_once()
    email = _sent(client, booked, front_desk, "confirmation")
    assert "moved from Thu 10 Dec, 10:00 AM EST to Fri 11 Dec, 11:00 AM EST" in email["text"]
