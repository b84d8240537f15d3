"""The patient's calendar file keeps its instants in every parser, months from now too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booking.feeds import ics
from notifications.invites import InviteDetails, InviteMethod, build_invite
from tests.booking.feeds.parsers import both, ical_js

SUMMER = datetime(2027, 7, 15, 13, 0, tzinfo=UTC)  # 09:00 EDT, two DST changes from now
DETAILS = InviteDetails(
    uid="7f1c@clinic.example", sequence=0, starts_at=SUMMER, ends_at=SUMMER + timedelta(hours=1),
    zone="America/New_York", stamp=datetime(2026, 11, 26, 15, tzinfo=UTC),
    clinic_name="Wellness NYC", organizer_email="appointments@clinic.example",
    attendee_email="ann@example.com", location="1 Main Street",
)  # fmt: skip


def test_one_rdate_a_line_keeps_a_summer_visit_at_its_time() -> None:
    raw = build_invite(DETAILS, InviteMethod.REQUEST).ics
    fixed = ics.one_rdate_a_line(raw.decode()).encode()
    (event,), js = both(fixed)
    assert event["start"] == "2027-07-15T13:00:00.000Z"
    assert js["method"] == "REQUEST"
    assert b"RDATE:20270314T030000\r\n" in fixed
    assert b"RDATE:20270314T030000," in raw  # several values on one line before
    assert ical_js(raw)["events"][0]["start"] == event["start"]
