"""Instants written in a zone by hand read exactly as ``datetime.isoformat`` writes them,
across DST changes (New York's hour, Lord Howe's half hour) and for fractions of a second."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from booking.availability.plan import MINUTE, instant, micros
from booking.availability.text import LocalText

ZONES = ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "Europe/London"]


def _every_quarter_hour(first: datetime, days: int) -> range:
    start = micros(first)
    return range(start, start + days * 24 * 60 * MINUTE, 15 * MINUTE)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "first",
    [
        datetime(2026, 3, 6, tzinfo=UTC),  # New York springs forward on the 8th
        datetime(2026, 10, 2, tzinfo=UTC),  # Lord Howe gains half an hour on the 4th
        datetime(2026, 10, 30, tzinfo=UTC),  # London and New York fall back
        datetime(2027, 4, 2, tzinfo=UTC),  # Lord Howe loses its half hour on the 4th
    ],
)
def test_whole_seconds_read_as_isoformat(zone: str, first: datetime) -> None:
    where = ZoneInfo(zone)
    text = LocalText(where)
    for value in _every_quarter_hour(first, days=6):
        assert text(value) == instant(value).astimezone(where).isoformat(), instant(value)


@pytest.mark.parametrize("zone", ZONES)
def test_fractions_of_a_second_and_odd_seconds_read_as_isoformat(zone: str) -> None:
    where = ZoneInfo(zone)
    text = LocalText(where)
    base = micros(datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC))
    for value in (base, base + 1, base + 250_000, base + 1_000_001, base - 86_399_000_000):
        assert text(value) == instant(value).astimezone(where).isoformat()


def test_a_remembered_text_is_the_same_text() -> None:
    text = LocalText(ZoneInfo("America/New_York"))
    value = micros(datetime(2026, 12, 3, 16, tzinfo=UTC))
    assert text(value) == "2026-12-03T11:00:00-05:00"
    assert text(value) is text(value)
