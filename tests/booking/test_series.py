"""Induction protocols (pure): proposed dates, the spacing rule and self-overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from booking.series import PROTOCOLS, overlapping, proposed_starts, spacing_problems

NY = ZoneInfo("America/New_York")
IV = PROTOCOLS["iv_induction"]


def test_sessions_keep_the_local_time_of_day() -> None:
    first = datetime(2026, 11, 30, 9, 0, tzinfo=NY)  # a Monday
    starts = proposed_starts(IV, first, NY, IV.min_gap_hours)
    assert [s.astimezone(NY).strftime("%a %H:%M") for s in starts] == [
        "Mon 09:00", "Wed 09:00", "Fri 09:00", "Mon 09:00", "Wed 09:00", "Fri 09:00",
    ]  # fmt: skip
    assert spacing_problems(starts, IV.min_gap_hours) == []


def test_across_spring_forward_a_session_moves_later_rather_than_break_the_gap() -> None:
    first = datetime(2027, 3, 10, 10, 0, tzinfo=NY)  # Wed; clocks go forward Sun 14 March
    starts = proposed_starts(IV, first, NY, IV.min_gap_hours)
    local = [s.astimezone(NY) for s in starts]
    # Fri 10:00 EST to Sun 10:00 EDT is 47 real hours: Sunday's session starts at 11:00.
    assert local[1].strftime("%a %H:%M") == "Fri 10:00"
    assert local[2].strftime("%a %d %H:%M") == "Sun 14 11:00"
    assert starts[2] - starts[1] == timedelta(hours=48)
    assert spacing_problems(starts, IV.min_gap_hours) == []


def test_a_session_moved_by_spring_forward_does_not_break_the_next_gap() -> None:
    first = datetime(2027, 3, 12, 8, 0, tzinfo=NY)  # Fri; clocks go forward Sun 14 March
    starts = proposed_starts(IV, first, NY, IV.min_gap_hours)
    local = [s.astimezone(NY).strftime("%a %d %H:%M") for s in starts]
    # Sunday moves to 09:00 to keep 48 h, so Tuesday must follow it; Friday is clear again.
    assert local == [
        "Fri 12 08:00", "Sun 14 09:00", "Tue 16 09:00", "Fri 19 08:00", "Sun 21 08:00",
        "Tue 23 08:00",
    ]  # fmt: skip
    assert spacing_problems(starts, IV.min_gap_hours) == []


def test_across_fall_back_the_time_of_day_holds_and_the_gap_grows() -> None:
    first = datetime(2026, 10, 30, 10, 0, tzinfo=NY)  # Fri; clocks go back Sun 1 November
    starts = proposed_starts(IV, first, NY, IV.min_gap_hours)
    assert {s.astimezone(NY).strftime("%H:%M") for s in starts} == {"10:00"}
    assert starts[1] - starts[0] == timedelta(hours=49)


def test_sessions_closer_than_their_own_length_overlap() -> None:
    nine = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    starts = [nine, nine + timedelta(hours=1), nine + timedelta(hours=3)]
    assert overlapping(starts, timedelta(minutes=120)) == [1]
    assert overlapping(starts, timedelta(minutes=60)) == []


def test_a_gap_the_protocol_days_cannot_keep_is_not_papered_over() -> None:
    first = datetime(2026, 11, 30, 9, 0, tzinfo=NY)
    starts = proposed_starts(IV, first, NY, 72)
    assert [s.astimezone(NY).strftime("%a") for s in starts] == [
        "Mon", "Wed", "Fri", "Mon", "Wed", "Fri",
    ]  # fmt: skip
    assert spacing_problems(starts, 72) == [1, 2, 4, 5]
