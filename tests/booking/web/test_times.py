"""Open times as the booking pages group them: pure, no database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from booking.schemas.appointments import AvailabilityOut, SlotOut
from booking.web import times

NEW_YORK = ZoneInfo("America/New_York")


def _slot(hour: int, day: int = 30, clinician: int = 1) -> SlotOut:
    starts = datetime(2026, 11, day, hour, tzinfo=NEW_YORK)
    return SlotOut(starts_at=starts, ends_at=starts, clinician_id=uuid.UUID(int=clinician),
                   room_id=None)  # fmt: skip


def test_two_clinicians_free_at_once_are_one_choice_and_days_are_in_order() -> None:
    found = AvailabilityOut(
        appointment_type_id=uuid.UUID(int=1), location_id=uuid.UUID(int=2),
        timezone="America/New_York",
        slots=[_slot(9, day=30), _slot(9, day=30, clinician=2), _slot(8, day=27)],
    )  # fmt: skip
    days = times.by_day(found)
    assert [d.day for d in days] == [date(2026, 11, 27), date(2026, 11, 30)]
    assert len(days[1].times) == 1
    assert days[1].times[0].value == "2026-11-30T14:00:00+00:00"  # what the form sends: UTC


def test_only_a_real_zone_is_taken() -> None:
    assert times.zone_or("America/Chicago", "America/New_York") == "America/Chicago"
    assert times.zone_or("Mars/Olympus", "America/New_York") == "America/New_York"
    assert times.zone_or(None, "America/New_York") == "America/New_York"
    assert times.zone_choices("Asia/Tokyo", "America/New_York")[:2] == [
        "Asia/Tokyo", "America/New_York",
    ]  # fmt: skip


def test_a_week_never_starts_before_today_in_the_shown_zone() -> None:
    late_evening = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 22:00 on the 26th in New York
    assert times.first_day(None, now=late_evening, zone="America/New_York") == date(2026, 11, 26)
    assert times.first_day(None, now=late_evening, zone="Europe/Paris") == date(2026, 11, 27)
    assert times.first_day(date(2020, 1, 1), now=late_evening, zone="UTC") == date(2026, 11, 27)
    today = date(2026, 11, 26)
    assert times.week_links(today, today=today) == (None, date(2026, 12, 3))
    assert times.week_links(date(2026, 11, 30), today=today) == (today, date(2026, 12, 7))
