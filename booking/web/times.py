"""Open times as a patient reads them: by day, in the zone they chose, a week at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from booking.schemas.appointments import AvailabilityOut

WEEK = 7
# Offered in the zone picker first; any IANA zone the browser reports is accepted too.
COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
    "America/Toronto", "America/Vancouver", "Europe/London", "Europe/Paris", "UTC",
)  # fmt: skip
_KNOWN = frozenset(available_timezones())


@dataclass(frozen=True)
class Time:
    starts_at: datetime  # in the shown zone
    value: str  # the instant in UTC, what the form sends back


@dataclass(frozen=True)
class Day:
    day: date
    times: list[Time]


def zone_or(asked: str | None, default: str) -> str:
    """The zone asked for when it is a real IANA name, else ``default`` (the location's)."""
    return asked if asked and asked in _KNOWN else default


def zone_choices(current: str, location_zone: str) -> list[str]:
    return list(dict.fromkeys([current, location_zone, *COMMON_ZONES]))


def first_day(asked: date | None, *, now: datetime, zone: str) -> date:
    """The week shown starts on ``asked``, never before today in ``zone``."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return max(asked, today) if asked else today


def by_day(found: AvailabilityOut) -> list[Day]:
    """Each start once (two clinicians free at 9:00 are one choice: the clinic places it),
    grouped by the day it falls on in the zone the times were rendered in."""
    days: dict[date, dict[datetime, Time]] = {}
    for slot in found.slots:
        local = slot.starts_at
        value = local.astimezone(ZoneInfo("UTC")).isoformat()
        days.setdefault(local.date(), {}).setdefault(local, Time(local, value))
    return [Day(day, sorted(times.values(), key=lambda t: t.starts_at)) for day, times in
            sorted(days.items())]  # fmt: skip


def week_links(start: date, *, today: date) -> tuple[date | None, date]:
    """The previous week's first day (None before today) and the next week's."""
    previous = start - timedelta(days=WEEK)
    return (max(previous, today) if start > today else None), start + timedelta(days=WEEK)
