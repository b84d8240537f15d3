"""The engine's check of bookings already made: the same hours, time off and closures that
decide availability, without the rules about making a booking."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from booking.availability import Booking, DayOverride, Period, Roster, WeeklyHours, unworkable

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 1, 12)  # EST: 09:00 local = 14:00Z
ANA, BEN = UUID(int=1), UUID(int=2)
HOUR = timedelta(hours=1)


def _roster(**changes: object) -> Roster:
    weekly = [WeeklyHours(who, 0, time(9), time(17), None, None) for who in (ANA, BEN)]
    fields: dict[str, object] = {
        "zone": NY, "weekly_hours": weekly, "overrides": [], "time_off": {}, "closures": [],
        "first_day": MONDAY - timedelta(days=1), "last_day": MONDAY + timedelta(days=1),
    }  # fmt: skip
    fields |= changes
    return Roster(**fields)  # type: ignore[arg-type]


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 12, hour, minute, tzinfo=UTC)


def _booking(n: int, start: datetime, who: UUID = ANA, length: timedelta = HOUR) -> Booking:
    return Booking(UUID(int=100 + n), who, start, start + length)


def test_bookings_inside_the_hours_are_workable() -> None:
    first, last = _booking(1, _at(14)), _booking(2, _at(21))  # 09:00 and 16:00-17:00 local
    assert unworkable(_roster(), [first, last]) == {}


def test_a_booking_running_past_the_hours_is_outside_them() -> None:
    late = _booking(1, _at(21, 30))
    assert unworkable(_roster(), [late]) == {late.id: "outside_hours"}


def test_time_off_and_closures_touch_only_what_they_overlap() -> None:
    ana, ben = _booking(1, _at(14)), _booking(2, _at(16), BEN)
    off = {ANA: [Period(_at(14, 30), _at(15))]}
    assert unworkable(_roster(time_off=off), [ana, ben]) == {ana.id: "time_off"}
    closed = [Period(_at(16, 59), _at(18))]
    assert unworkable(_roster(closures=closed), [ana, ben]) == {ben.id: "closed"}
    # Half-open: time off ending as the session starts leaves it alone.
    touching = {ANA: [Period(_at(13), _at(14))]}
    assert unworkable(_roster(time_off=touching), [ana]) == {}


def test_an_override_replaces_the_weekly_hours_of_its_date() -> None:
    morning, afternoon = _booking(1, _at(14)), _booking(2, _at(19))
    short = [DayOverride(ANA, MONDAY, time(9), time(12))]
    assert unworkable(_roster(overrides=short), [morning, afternoon]) == {
        afternoon.id: "outside_hours"
    }
    day_off = [DayOverride(ANA, MONDAY, None, None)]
    assert set(unworkable(_roster(overrides=day_off), [morning, afternoon])) == {
        morning.id,
        afternoon.id,
    }
