"""The feed writer, without a database: escaping, zones, DST, folding, both parsers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from booking.feeds import ics
from booking.feeds.shown import initials, title
from notifications.privacy import forbidden_terms_in
from tests.booking.feeds.parsers import both

STAMP = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
HEAD = ics.FeedHead(
    name="Dr. Okafor", refresh=timedelta(minutes=15), first_day=date(2026, 10, 27),
    last_day=date(2027, 5, 26), zone="America/New_York",
)  # fmt: skip


def _event(
    n: int, starts_at: datetime, zone: str = "America/New_York", **kw: object
) -> ics.TimedEvent:
    fields: dict[str, object] = {
        "uid": f"appt-{n}@clinic.example", "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1), "zone": zone, "stamp": STAMP,
        "sequence": n, "summary": f"Consultation ({n})",
    } | kw  # fmt: skip
    return ics.TimedEvent(**fields)  # type: ignore[arg-type]


HOSTILE = (
    "Zoë O'Brien, Jr.; \\ back\r\nSUMMARY:injected\r\n ATTENDEE:mailto:x@y\n\r"
    "李小龙 🙂🚀 \x00\x07\u2028end"
)


def test_hostile_text_stays_one_value_in_both_parsers() -> None:
    event = _event(1, datetime(2026, 12, 1, 14, tzinfo=UTC), summary=HOSTILE, location=HOSTILE)
    body = ics.calendar(HEAD, [event])
    python, js = both(body)
    (parsed,) = python
    expected = (
        "Zoë O'Brien, Jr.; \\ back\nSUMMARY:injected\n ATTENDEE:mailto:x@y\n\n李小龙 🙂🚀 end"
    )
    assert parsed["summary"] == expected
    assert js["events"][0]["location"] == expected
    # No line of the file starts a property the text carried.
    lines = body.decode().split("\r\n")
    assert not any(line.startswith(("SUMMARY:injected", "ATTENDEE")) for line in lines)
    assert js["events"][0]["properties"].count("summary") == 1
    assert "attendee" not in js["events"][0]["properties"]


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    event = _event(1, datetime(2026, 12, 1, 14, tzinfo=UTC), summary="🙂é" * 60)
    body = ics.calendar(HEAD, [event])
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    body.decode()  # every fold sits between characters
    python, _ = both(body)
    assert python[0]["summary"] == "🙂é" * 60


def test_events_across_new_york_spring_forward_keep_their_instants() -> None:
    # 2027-03-14: 02:00 EST becomes 03:00 EDT. One the day before, one the day after, one
    # spanning the jump (01:30 EST to 03:30 EDT is one hour).
    starts = [datetime(2027, 3, 13, 14, tzinfo=UTC), datetime(2027, 3, 15, 13, tzinfo=UTC),
              datetime(2027, 3, 14, 6, 30, tzinfo=UTC)]  # fmt: skip
    body = ics.calendar(HEAD, [_event(n, start) for n, start in enumerate(starts)])
    python, js = both(body)
    assert [event["start"] for event in python] == [
        "2027-03-13T14:00:00.000Z", "2027-03-15T13:00:00.000Z", "2027-03-14T06:30:00.000Z",
    ]  # fmt: skip
    assert "DTSTART;TZID=America/New_York:20270315T090000" in body.decode()
    assert "DTEND;TZID=America/New_York:20270314T033000" in body.decode()
    assert js["timezones"] == ["America/New_York"]


def test_a_time_that_happens_twice_is_written_in_utc() -> None:
    # Lord Howe falls back half an hour on 2027-04-04 at 02:00 (+11 to +10:30): 01:45
    # happens twice. The second one must not be written as an ambiguous local time.
    zone = "Australia/Lord_Howe"
    second = datetime(2027, 4, 4, 1, 45, fold=1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    first = datetime(2027, 4, 4, 1, 45, fold=0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert second - first == timedelta(minutes=30)
    head = ics.FeedHead(
        "Lord Howe", timedelta(minutes=15), date(2027, 3, 1), date(2027, 9, 1), zone
    )
    body = ics.calendar(head, [_event(1, first, zone), _event(2, second, zone)])
    python, js = both(body)
    assert [event["start"] for event in python] == [
        first.isoformat().replace("+00:00", ".000Z"),
        second.isoformat().replace("+00:00", ".000Z"),
    ]
    assert f"DTSTART:{second.strftime('%Y%m%dT%H%M%SZ')}" in body.decode()
    assert js["timezones"] == [zone]


def test_every_zone_used_has_a_vtimezone_covering_the_window() -> None:
    events = [
        _event(1, datetime(2026, 11, 1, 14, tzinfo=UTC), "America/New_York"),
        _event(2, datetime(2027, 5, 20, 0, tzinfo=UTC), "Australia/Lord_Howe"),
        _event(3, datetime(2027, 1, 5, 9, tzinfo=UTC), "Europe/London"),
    ]
    calendar = Calendar.from_ical(ics.calendar(HEAD, events))
    zones = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    assert set(zones) == {"America/New_York", "Australia/Lord_Howe", "Europe/London"}
    for zone in zones.values():
        starts = [sub.decoded("DTSTART").date() for sub in zone.subcomponents]
        assert min(starts) <= HEAD.first_day
    # New York's rules include both changes of 2027 inside the window (March and November).
    ny = calendar.walk("VTIMEZONE")[0].to_ical().decode()
    assert "20270314T030000" in ny
    assert "20271107T020000" in ny


def test_calendar_level_hints_and_all_day_items() -> None:
    item = ics.AllDayItem(
        "task-1@clinic.example", date(2026, 12, 3), STAMP, "Monitoring form due (S.R.)"
    )
    body = ics.calendar(HEAD, [], [item])
    python, js = both(body)
    assert (js["name"], js["calname"]) == ("Dr. Okafor", "Dr. Okafor")
    assert (js["refresh"], js["ttl"]) == ("PT15M", "PT15M")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in body.decode()
    assert python[0]["start"] == "2026-12-03"
    assert python[0]["end"] == "2026-12-04"
    assert js["events"][0]["all_day"] is True
    assert js["events"][0]["transp"] == "TRANSPARENT"


def test_a_cancelled_event_is_cancelled_and_free() -> None:
    event = _event(3, datetime(2026, 12, 1, 14, tzinfo=UTC), cancelled=True)
    _, js = both(ics.calendar(HEAD, [event]))
    assert (js["events"][0]["status"], js["events"][0]["transp"]) == ("CANCELLED", "TRANSPARENT")


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [("Sam", "Rivera", "S.R."), (" zoë", "\r\nöst", "Z.Ö."), ("李", "小龙", "李.小."),
     ("🙂", "Smith", "🙂.S."), ("", "Rivera", "R.")],
)  # fmt: skip
def test_initials(given: str, family: str, expected: str) -> None:
    assert initials(given, family) == expected


def test_titles_never_name_a_drug_or_treatment() -> None:
    for visit in ("Ketamine infusion", "Spravato (esketamine) session", "IV", "REMS check"):
        shown = title(visit, "Sam", "Rivera", full_names=False)
        assert forbidden_terms_in(shown) == [], shown
        assert shown.endswith("(S.R.)")
    assert title("Consultation", "Sam", "Rivera", full_names=True) == "Consultation (Sam Rivera)"
    assert title("Consultation", "Sam", "Rivera", full_names=False, cancelled=True) == (
        "Cancelled: Consultation (S.R.)"
    )
