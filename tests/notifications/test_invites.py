from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from notifications.invites import InviteDetails, InviteMethod, build_invite
from notifications.privacy import forbidden_terms_in

DETAILS = InviteDetails(
    uid="7f1c@clinic.example",
    sequence=0,
    # Sunday 8 March 2026, 09:00 in New York: the first morning of daylight time.
    starts_at=datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
    ends_at=datetime(2026, 3, 8, 15, 0, tzinfo=UTC),
    zone="America/New_York",
    stamp=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    clinic_name="Ketamine Wellness NYC",
    organizer_email="appointments@clinic.example",
    attendee_email="ann@example.com",
    attendee_name="Ann Example",
    location="IV Lounge, 350 W 57th St",
    manage_url="https://clinic.example/manage/tok",
)


def _event(ics: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ics)
    return calendar, calendar.events[0]


def test_a_request_carries_the_zone_the_people_and_a_neutral_title() -> None:
    invite = build_invite(DETAILS, InviteMethod.REQUEST)
    calendar, event = _event(invite.ics)
    assert invite.method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in calendar.timezones] == ["America/New_York"]
    assert event["UID"] == "7f1c@clinic.example"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.start == datetime(2026, 3, 8, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert event.start.isoformat() == "2026-03-08T09:00:00-04:00"  # EDT, not EST
    assert event.end - event.start == timedelta(hours=2)
    assert str(event["ORGANIZER"]) == "mailto:appointments@clinic.example"
    assert str(event["ATTENDEE"]) == "mailto:ann@example.com"
    assert event["ATTENDEE"].params["CN"] == "Ann Example"
    assert event["SUMMARY"] == "Appointment at Wellness NYC"
    assert forbidden_terms_in(str(event["SUMMARY"]) + str(event["LOCATION"])) == []
    assert forbidden_terms_in(str(event["ORGANIZER"].params["CN"])) == []


def test_a_cancel_keeps_the_uid_with_a_higher_sequence() -> None:
    later = replace(DETAILS, sequence=3)
    invite = build_invite(later, InviteMethod.CANCEL)
    calendar, event = _event(invite.ics)
    assert calendar["METHOD"] == "CANCEL"
    assert event["UID"] == DETAILS.uid
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CANCELLED"


def test_a_link_that_names_a_drug_is_left_out_of_the_event() -> None:
    leaky = replace(DETAILS, manage_url="https://ketamine.example/m/t")
    _, event = _event(build_invite(leaky, InviteMethod.REQUEST).ics)
    assert "DESCRIPTION" not in event


def test_a_series_invite_holds_one_event_per_session_each_with_its_own_uid() -> None:
    later = replace(
        DETAILS, uid="8a2d@clinic.example", sequence=2,
        starts_at=DETAILS.starts_at + timedelta(days=2),
        ends_at=DETAILS.ends_at + timedelta(days=2),
    )  # fmt: skip
    calendar = Calendar.from_ical(build_invite(DETAILS, InviteMethod.REQUEST, later).ics)
    assert calendar["METHOD"] == "REQUEST"
    assert [(e["UID"], e["SEQUENCE"]) for e in calendar.events] == [
        ("7f1c@clinic.example", 0), ("8a2d@clinic.example", 2),
    ]  # fmt: skip
    assert [tz["TZID"] for tz in calendar.timezones] == ["America/New_York"]  # once
