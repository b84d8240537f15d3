"""An appointment type's notice policy through the API: defaults shown, overrides stored and
audited, applied to new bookings and to the pending notices of booked ones."""

from __future__ import annotations

from datetime import datetime, timedelta
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
from tests.booking.api.setup_helpers import audit_actions, expect_ok, expect_problem, field_names
from tests.conftest import SignedIn
from tests.factories import make_patient

START = "2026-12-10T10:00:00-05:00"  # two weeks after the frozen "now"


def _url(clinic: Clinic) -> str:
    return f"/api/v1/appointment-types/{clinic.consult['id']}/notice-policy"


def _book_consult(client: TestClient, clinic: Clinic, desk: SignedIn, starts_at: str) -> str:
    patient = make_patient(client, desk.headers, sms_consent=True, email_consent=True)
    body = {
        "appointment_type_id": clinic.consult["id"], "location_id": clinic.location["id"],
        "clinician_id": clinic.clinicians[0]["id"], "patient_id": patient["id"],
        "starts_at": starts_at,
    }  # fmt: skip
    booked: str = expect_ok(book(client, body, desk.headers), 201)["appointment"]["id"]
    return booked


def _notices(client: TestClient, appointment_id: str, who: SignedIn) -> dict[str, Any]:
    found = expect_ok(
        client.get(f"/api/v1/appointments/{appointment_id}/notices", headers=who.headers)
    )
    return {n["kind"]: n for n in found}


def _put(client: TestClient, clinic: Clinic, who: SignedIn, *rules: dict[str, Any]) -> Any:
    return client.put(_url(clinic), json={"rules": list(rules)}, headers=who.headers)


def test_get_shows_the_consults_defaults_to_any_staff(
    client: TestClient, clinic: Clinic, clinician_login: SignedIn
) -> None:
    policy = expect_ok(client.get(_url(clinic), headers=clinician_login.headers))
    assert policy["visit_kind"] == "consult"
    rules = {rule["kind"]: rule for rule in policy["rules"]}
    assert list(rules) == [
        "confirmation", "week_before", "days_before", "day_before", "cancellation"
    ]  # fmt: skip
    assert rules["week_before"] | {"overridden": False} == {
        "kind": "week_before", "audience": "patient", "anchor": "start",
        "offset_minutes": -7 * 24 * 60, "channels": ["email", "sms"], "enabled": True,
        "overridden": False,
    }  # fmt: skip
    assert rules["day_before"]["offset_minutes"] == -24 * 60
    assert rules["confirmation"]["offset_minutes"] is None
    assert not any(rule["overridden"] for rule in policy["rules"])


def test_turning_off_the_week_reminder_withdraws_it_and_new_bookings_lack_it(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn
) -> None:
    booked = _book_consult(client, clinic, front_desk, START)
    assert _notices(client, booked, front_desk)["week_before"]["status"] == "pending"
    policy = expect_ok(_put(client, clinic, admin, {"kind": "week_before", "enabled": False}))
    (week,) = [rule for rule in policy["rules"] if rule["kind"] == "week_before"]
    assert (week["enabled"], week["overridden"]) == (False, True)
    before = _notices(client, booked, front_desk)
    assert before["week_before"]["status"] == "withdrawn"
    assert before["day_before"]["status"] == "pending"
    assert before["confirmation"]["status"] == "pending"  # still going out, once
    later = _book_consult(client, clinic, front_desk, "2026-12-11T10:00:00-05:00")
    assert "week_before" not in _notices(client, later, front_desk)
    assert "appointment_type.notice_policy" in audit_actions(client, admin, clinic.consult["id"])
    # Back to the defaults: an empty PUT; the booked consult's reminder is planned again.
    expect_ok(_put(client, clinic, admin))
    assert _notices(client, later, front_desk)["week_before"]["status"] == "pending"


def test_moving_the_day_before_reminder_to_48_hours_replans_it(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn
) -> None:
    booked = _book_consult(client, clinic, front_desk, START)
    first = _notices(client, booked, front_desk)["day_before"]
    expect_ok(_put(client, clinic, admin, {"kind": "day_before", "offset_minutes": -48 * 60}))
    moved = _notices(client, booked, front_desk)["day_before"]
    assert moved["id"] == first["id"]  # the same pending row, updated
    assert moved["status"] == "pending"
    due = datetime.fromisoformat(moved["due_at"])
    assert datetime.fromisoformat(first["due_at"]) - due == timedelta(hours=24)
    assert due == datetime.fromisoformat(START) - timedelta(hours=48)


def test_a_clinician_cannot_set_the_policy(
    client: TestClient, clinic: Clinic, clinician_login: SignedIn
) -> None:
    response = _put(client, clinic, clinician_login, {"kind": "week_before", "enabled": False})
    expect_problem(response, 403, "forbidden")


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "pickup", "enabled": False}, "rules.0.kind"),  # not a consult's notice
        ({"kind": "day_before", "offset_minutes": 60}, "rules.0.offset_minutes"),
        ({"kind": "day_before", "offset_minutes": 0}, "rules.0.offset_minutes"),
        ({"kind": "confirmation", "offset_minutes": -60}, "rules.0.offset_minutes"),
        ({"kind": "day_before", "channels": []}, "rules.0.channels"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused_naming_the_field(
    client: TestClient, clinic: Clinic, admin: SignedIn, rule: dict[str, Any], field: str
) -> None:
    body = expect_problem(_put(client, clinic, admin, rule), 422, "invalid_notice_policy")
    assert field_names(body) == {field}
    assert not expect_ok(client.get(_url(clinic), headers=admin.headers))["rules"][1]["overridden"]


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"kind": "day_before", "offset_minutes": -100 * 24 * 60}], "rules.0.offset_minutes"),
        ([{"kind": "day_before", "channels": ["sms", "sms"]}], "rules.0.channels"),
        ([{"kind": "day_before", "channels": ["fax"]}], "rules.0.channels.0"),
        ([{"kind": "day_before"}, {"kind": "day_before"}], "rules"),
    ],
)
def test_malformed_rules_are_a_validation_error_naming_the_field(
    client: TestClient, clinic: Clinic, admin: SignedIn, rules: list[dict[str, Any]], field: str
) -> None:
    body = expect_problem(_put(client, clinic, admin, *rules), 422, "validation_error")
    assert field in field_names(body)


def test_a_disabled_rule_may_have_no_channel(
    client: TestClient, clinic: Clinic, admin: SignedIn
) -> None:
    rule = {"kind": "days_before", "enabled": False, "channels": []}
    policy = expect_ok(_put(client, clinic, admin, rule))
    (days,) = [r for r in policy["rules"] if r["kind"] == "days_before"]
    assert (days["enabled"], days["channels"]) == (False, [])


def test_a_replan_sends_nothing_again_and_changes_a_pending_reminders_channels(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    database: Database, settings: Settings, clock: FrozenClock,
) -> None:  # fmt: skip
    booked = _book_consult(client, clinic, front_desk, START)
    channels = {kind: ConsoleChannel(kind) for kind in ChannelKind}
    Dispatcher.build(database, settings, clock, channels=channels).run_once()
    assert _notices(client, booked, front_desk)["confirmation"]["status"] == "sent"
    expect_ok(_put(client, clinic, admin, {"kind": "day_before", "channels": ["email"]}))
    found = expect_ok(
        client.get(f"/api/v1/appointments/{booked}/notices", headers=front_desk.headers)
    )
    assert [n["status"] for n in found if n["kind"] == "confirmation"] == ["sent"]
    (day,) = [n for n in found if n["kind"] == "day_before"]
    assert (day["status"], day["channel"]) == ("pending", "email")
