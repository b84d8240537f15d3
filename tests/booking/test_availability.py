"""The pure availability engine: grid, buffers, conflicts, rooms, preference, hours and DST."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    AvailabilityQuery,
    ClinicianBusy,
    ClinicianMode,
    DayOverride,
    Period,
    Room,
    RoomBusy,
    Slot,
    TypeRules,
    WeeklyHours,
    find_slots,
    fits,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday, before every day used below
MONDAY = date(2026, 1, 12)  # New York is on EST (UTC-5): 09:00 local = 14:00Z
SUNDAY = MONDAY - timedelta(days=1)
ANA, BEN = UUID(int=1), UUID(int=2)
ROOM_A, ROOM_B, CHAIR, CHAIR_2 = UUID(int=11), UUID(int=12), UUID(int=21), UUID(int=22)
MINUTE = timedelta(minutes=1)

CONSULT = TypeRules(
    clinician_minutes=60,
    room_minutes=60,
    room_kind="consult_room",
    buffer_before_minutes=0,
    buffer_after_minutes=0,
    min_notice_minutes=0,
    horizon_days=400,
    slot_step_minutes=15,
    max_starts_per_window=None,
    start_window_minutes=30,
)
# A supervised chair session: the clinician is needed for the first hour only.
TREATMENT = replace(CONSULT, room_minutes=150, room_kind="treatment_chair", max_starts_per_window=1)
CHAIRS = [Room(CHAIR, "treatment_chair"), Room(CHAIR_2, "treatment_chair")]


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def hours(
    clinician: UUID = ANA,
    start: time = time(9),
    end: time = time(12),
    *,
    weekday: int = 0,
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> WeeklyHours:
    return WeeklyHours(clinician, weekday, start, end, effective_from, effective_until)


def busy(
    start: datetime, end: datetime, mode: ClinicianMode = "exclusive", who: UUID = ANA
) -> ClinicianBusy:
    return ClinicianBusy(who, Period(start, end), mode, start)


def make_query(**changes: Any) -> AvailabilityQuery:
    base = AvailabilityQuery(
        zone=NY,
        rules=CONSULT,
        clinician_ids=[ANA],
        rooms=[Room(ROOM_A, "consult_room")],
        weekly_hours=[hours()],
        overrides=[],
        time_off={},
        closures=[],
        clinician_busy=[],
        room_busy=[],
        now=NOW,
        first_day=MONDAY,
        last_day=MONDAY,
    )
    return replace(base, **changes)


def treatment_query(**changes: Any) -> AvailabilityQuery:
    defaults: dict[str, Any] = {
        "rules": TREATMENT,
        "rooms": CHAIRS,
        "weekly_hours": [hours(end=time(17))],
    }
    return make_query(**(defaults | changes))


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.starts_at for slot in slots]


def every(first: datetime, last: datetime, step: int = 15) -> list[datetime]:
    count = (last - first) // (step * MINUTE) + 1
    return [first + i * step * MINUTE for i in range(count)]


# --- grid -----------------------------------------------------------------------------------


def test_grid_steps_through_hours_and_sessions_end_inside_them() -> None:
    slots = find_slots(make_query())
    assert starts(slots) == every(at(14), at(16))  # 09:00..11:00 local, last ends at 12:00
    assert all(s.ends_at - s.starts_at == 60 * MINUTE for s in slots)
    assert {(s.clinician_id, s.room_id) for s in slots} == {(ANA, ROOM_A)}


def test_grid_is_anchored_at_the_interval_start() -> None:
    query = make_query(weekly_hours=[hours(start=time(9, 10), end=time(10, 30))])
    assert starts(find_slots(query)) == [at(14, 10), at(14, 25)]


def test_session_length_is_the_longer_of_clinician_and_room_time() -> None:
    query = make_query(rules=replace(CONSULT, room_minutes=150))
    slots = find_slots(query)
    assert starts(slots) == every(at(14), at(14, 30))
    assert all(s.ends_at - s.starts_at == 150 * MINUTE for s in slots)


# --- buffers --------------------------------------------------------------------------------

BUFFERED = replace(
    CONSULT, clinician_minutes=30, room_minutes=30, buffer_before_minutes=10,
    buffer_after_minutes=15,
)  # fmt: skip


def test_buffers_of_the_new_booking_keep_it_off_existing_busy() -> None:
    query = make_query(
        rules=BUFFERED,
        weekly_hours=[hours(end=time(13))],
        clinician_busy=[busy(at(15), at(15, 30))],
    )
    found = [s for s in starts(find_slots(query)) if s < at(16)]
    # Without buffers 14:30 and 15:30 would fit; 14:15 + 30 + 15 ends right at 15:00.
    assert found == [at(14), at(14, 15), at(15, 45)]


def test_buffers_may_run_outside_working_hours() -> None:
    found = starts(find_slots(make_query(rules=BUFFERED, weekly_hours=[hours(end=time(13))])))
    assert (found[0], found[-1]) == (at(14), at(17, 30))


def test_room_range_uses_room_minutes_plus_buffers() -> None:
    rules = replace(CONSULT, room_minutes=120, buffer_after_minutes=15)
    query = make_query(
        rules=rules,
        weekly_hours=[hours(end=time(13))],
        room_busy=[RoomBusy(ROOM_A, Period(at(16, 15), at(17)))],
    )
    found = starts(find_slots(query))
    assert at(14) in found  # room until 16:00 + 15 min buffer: touches the busy row
    assert at(14, 15) not in found


# --- clinician conflicts (checked with fits(); see also the reason-code table below) --------

SUPERVISING = [busy(at(15), at(16), "supervision")]
TWO_PER_WINDOW = replace(TREATMENT, max_starts_per_window=2)
TWO_STARTED = [*SUPERVISING, busy(at(15, 15), at(16, 15), "supervision")]
SPREAD = [busy(at(14, 40), at(15, 40), "supervision"), busy(at(15, 15), at(16, 15), "supervision")]
CONFLICT_CASES = [
    ("exclusive vs supervised busy", make_query(clinician_busy=SUPERVISING), at(14, 30), ROOM_A,
     "clinician_busy"),
    ("supervised may overlap supervised", treatment_query(clinician_busy=SUPERVISING), at(15, 30),
     CHAIR, None),
    ("supervised vs exclusive busy", treatment_query(clinician_busy=[busy(at(16), at(16, 30))]),
     at(15, 30), CHAIR, "clinician_busy"),
    ("30 min before a start", treatment_query(clinician_busy=SUPERVISING), at(14, 30), CHAIR, None),
    ("15 min before a start", treatment_query(clinician_busy=SUPERVISING), at(14, 45), CHAIR,
     "start_limit"),
    ("same start", treatment_query(clinician_busy=SUPERVISING), at(15), CHAIR, "start_limit"),
    ("15 min after a start", treatment_query(clinician_busy=SUPERVISING), at(15, 15), CHAIR,
     "start_limit"),
    ("max 2: a second start", treatment_query(rules=TWO_PER_WINDOW, clinician_busy=SUPERVISING),
     at(15, 15), CHAIR, None),
    ("max 2: a third start", treatment_query(rules=TWO_PER_WINDOW, clinician_busy=TWO_STARTED),
     at(15), CHAIR, "start_limit"),
    # 15:00 is 30 minutes away, outside the window: only 15:15 counts.
    ("max 2: window is open", treatment_query(rules=TWO_PER_WINDOW, clinician_busy=TWO_STARTED),
     at(15, 30), CHAIR, None),
    # 14:40 and 15:15 are 35 minutes apart: no 30-minute window holds all three.
    ("max 2: between two", treatment_query(rules=TWO_PER_WINDOW, clinician_busy=SPREAD),
     at(15), CHAIR, None),
]  # fmt: skip


def test_supervised_slots_are_spaced_by_the_start_window() -> None:
    query = treatment_query(clinician_busy=SUPERVISING)
    found = starts(find_slots(query))
    assert [s for s in found if at(14, 30) <= s <= at(15, 30)] == [at(14, 30), at(15, 30)]


# --- rooms ----------------------------------------------------------------------------------


def test_only_rooms_of_the_required_kind_are_used() -> None:
    query = make_query(rooms=[*CHAIRS, Room(ROOM_A, "consult_room")])
    assert {s.room_id for s in find_slots(query)} == {ROOM_A}


def test_no_room_of_the_kind_means_no_slots() -> None:
    assert find_slots(make_query(rooms=CHAIRS)) == []


def test_busy_room_passes_the_slot_to_the_next_room() -> None:
    rooms = [Room(ROOM_A, "consult_room"), Room(ROOM_B, "consult_room")]
    query = make_query(rooms=rooms, room_busy=[RoomBusy(ROOM_A, Period(at(14), at(15)))])
    by_start = {s.starts_at: s.room_id for s in find_slots(query)}
    assert (by_start[at(14)], by_start[at(15)]) == (ROOM_B, ROOM_A)


def test_all_rooms_busy_means_no_slot() -> None:
    query = make_query(room_busy=[RoomBusy(ROOM_A, Period(at(14), at(15)))])
    assert starts(find_slots(query)) == every(at(15), at(16))


def test_type_without_room_books_none_and_ignores_room_busy() -> None:
    rules = replace(CONSULT, room_minutes=0, room_kind=None)
    query = make_query(rules=rules, room_busy=[RoomBusy(ROOM_A, Period(at(14), at(17)))])
    slots = find_slots(query)
    assert len(slots) == 9
    assert {s.room_id for s in slots} == {None}


# --- preference and uniqueness ---------------------------------------------------------------


@pytest.mark.parametrize("order", [[ANA, BEN], [BEN, ANA]])
def test_first_clinician_by_preference_wins(order: list[UUID]) -> None:
    query = make_query(clinician_ids=order, weekly_hours=[hours(ANA), hours(BEN)])
    assert {s.clinician_id for s in find_slots(query)} == {order[0]}


def test_next_clinician_takes_instants_the_first_cannot() -> None:
    query = make_query(
        clinician_ids=[ANA, BEN],
        weekly_hours=[hours(ANA), hours(BEN)],
        clinician_busy=[busy(at(14), at(15))],
    )
    by_start = {s.starts_at: s.clinician_id for s in find_slots(query)}
    assert (by_start[at(14)], by_start[at(15)]) == (BEN, ANA)


def test_one_slot_per_instant_sorted_by_start() -> None:
    rooms = [Room(ROOM_A, "consult_room"), Room(ROOM_B, "consult_room")]
    query = make_query(
        clinician_ids=[ANA, BEN],
        rooms=rooms,
        weekly_hours=[hours(ANA, time(9, 30)), hours(BEN, time(9), time(11, 30))],
    )
    assert starts(find_slots(query)) == every(at(14), at(16))


# --- hours: overrides and effective dates ----------------------------------------------------


def test_override_replaces_weekly_hours_on_its_date() -> None:
    query = make_query(overrides=[DayOverride(ANA, MONDAY, time(13), time(14, 30))])
    assert starts(find_slots(query)) == every(at(18), at(18, 30))


def test_day_off_override_removes_the_day() -> None:
    query = make_query(overrides=[DayOverride(ANA, MONDAY, None, None)])
    assert find_slots(query) == []


def test_override_of_another_date_or_clinician_changes_nothing() -> None:
    other = [
        DayOverride(ANA, MONDAY + timedelta(days=7), None, None),
        DayOverride(BEN, MONDAY, None, None),
    ]
    assert len(find_slots(make_query(overrides=other))) == 9


def test_day_off_row_beside_an_hours_row_keeps_those_hours() -> None:
    rows = [DayOverride(ANA, MONDAY, None, None), DayOverride(ANA, MONDAY, time(13), time(14))]
    assert starts(find_slots(make_query(overrides=rows))) == [at(18)]


@pytest.mark.parametrize(
    ("effective_from", "effective_until", "applies"),
    [
        (None, None, True),
        (MONDAY, MONDAY, True),  # both bounds inclusive
        (MONDAY + timedelta(days=1), None, False),
        (None, MONDAY - timedelta(days=1), False),
    ],
)
def test_weekly_rule_applies_only_within_its_effective_dates(
    effective_from: date | None, effective_until: date | None, applies: bool
) -> None:
    rule = hours(effective_from=effective_from, effective_until=effective_until)
    assert bool(find_slots(make_query(weekly_hours=[rule]))) is applies


def test_hours_on_other_weekdays_do_not_apply() -> None:
    assert find_slots(make_query(weekly_hours=[hours(weekday=1)])) == []


# --- time off and closures -------------------------------------------------------------------


def test_time_off_blocks_sessions_that_overlap_it() -> None:
    query = make_query(time_off={ANA: [Period(at(15), at(15, 30))]})
    assert starts(find_slots(query)) == [at(14), at(15, 30), at(15, 45), at(16)]


def test_time_off_is_compared_without_buffers() -> None:
    rules = replace(CONSULT, buffer_before_minutes=15, buffer_after_minutes=15)
    query = make_query(rules=rules, time_off={ANA: [Period(at(15), at(15, 30))]})
    assert starts(find_slots(query)) == [at(14), at(15, 30), at(15, 45), at(16)]


def test_time_off_of_one_clinician_passes_the_slot_to_another() -> None:
    query = make_query(
        clinician_ids=[ANA, BEN],
        weekly_hours=[hours(ANA), hours(BEN)],
        time_off={ANA: [Period(at(14), at(17))]},
    )
    assert {s.clinician_id for s in find_slots(query)} == {BEN}


def test_closure_blocks_every_clinician() -> None:
    query = make_query(
        clinician_ids=[ANA, BEN],
        weekly_hours=[hours(ANA), hours(BEN)],
        closures=[Period(at(14), at(16))],
    )
    assert starts(find_slots(query)) == [at(16)]


# --- notice and horizon ----------------------------------------------------------------------


def test_min_notice_allows_a_start_exactly_at_the_limit() -> None:
    query = make_query(rules=replace(CONSULT, min_notice_minutes=12 * 60), now=at(2))
    assert starts(find_slots(query))[0] == at(14)


def test_min_notice_refuses_a_start_one_step_before_the_limit() -> None:
    query = make_query(rules=replace(CONSULT, min_notice_minutes=12 * 60 + 1), now=at(2))
    assert starts(find_slots(query))[0] == at(14, 15)


def test_no_past_starts_and_the_grid_is_kept_after_now() -> None:
    assert starts(find_slots(make_query(now=at(14, 5))))[0] == at(14, 15)


def test_horizon_excludes_starts_at_or_after_it() -> None:
    query = make_query(rules=replace(CONSULT, horizon_days=7), now=at(15, day=date(2026, 1, 5)))
    assert starts(find_slots(query)) == every(at(14), at(14, 45))


def test_several_days_are_covered_in_order() -> None:
    week = [hours(weekday=day) for day in range(5)]
    query = make_query(weekly_hours=week, last_day=MONDAY + timedelta(days=6))
    found = starts(find_slots(query))
    assert len(found) == 5 * 9
    assert found == sorted(found)


# --- fits() reason codes ---------------------------------------------------------------------

MIXED_ROOMS = [Room(ROOM_A, "consult_room"), Room(CHAIR, "treatment_chair")]
NO_ROOM = replace(CONSULT, room_minutes=0, room_kind=None)
FITS_CASES = [
    ("ok", make_query(), at(14), ROOM_A, None),
    ("before hours", make_query(), at(13, 45), ROOM_A, "outside_hours"),
    ("ends after hours", make_query(), at(16, 15), ROOM_A, "outside_hours"),
    ("day not queried", make_query(), at(14, day=MONDAY + timedelta(days=7)), ROOM_A,
     "outside_hours"),
    ("off grid", make_query(), at(14, 5), ROOM_A, "misaligned"),
    ("closure", make_query(closures=[Period(at(14, 30), at(14, 45))]), at(14), ROOM_A, "closed"),
    ("time off", make_query(time_off={ANA: [Period(at(14), at(14, 1))]}), at(14), ROOM_A,
     "time_off"),
    ("busy", make_query(clinician_busy=[busy(at(14, 59), at(16))]), at(14), ROOM_A,
     "clinician_busy"),
    ("room busy", make_query(room_busy=[RoomBusy(ROOM_A, Period(at(13), at(14, 1)))]), at(14),
     ROOM_A, "room_busy"),
    ("in the past", make_query(now=at(15)), at(14), ROOM_A, "too_soon"),
    ("notice", make_query(rules=replace(CONSULT, min_notice_minutes=60), now=at(13, 30)), at(14),
     ROOM_A, "too_soon"),
    ("horizon", make_query(rules=replace(CONSULT, horizon_days=1), now=at(14, day=SUNDAY)),
     at(14), ROOM_A, "beyond_horizon"),
    ("chair for a consult", make_query(rooms=MIXED_ROOMS), at(14), CHAIR, "wrong_room"),
    ("no room for a consult", make_query(), at(14), None, "wrong_room"),
    ("unknown room", make_query(), at(14), ROOM_B, "wrong_room"),
    ("room for a video visit", make_query(rules=NO_ROOM), at(14), ROOM_A, "wrong_room"),
    ("video visit", make_query(rules=NO_ROOM), at(14), None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "start", "room", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in [*CONFLICT_CASES, *FITS_CASES]],
)
def test_fits_reason(
    query: AvailabilityQuery, start: datetime, room: UUID | None, expected: str | None
) -> None:
    assert fits(query, starts_at=start, clinician_id=ANA, room_id=room) == expected


def test_fits_for_a_clinician_without_hours_is_outside_hours() -> None:
    reason = fits(make_query(), starts_at=at(14), clinician_id=BEN, room_id=ROOM_A)
    assert reason == "outside_hours"


def test_fits_agrees_with_find_slots_at_every_minute() -> None:
    rooms = [Room(ROOM_A, "consult_room"), Room(ROOM_B, "consult_room")]
    query = make_query(
        rules=BUFFERED,
        clinician_ids=[ANA, BEN],
        rooms=rooms,
        weekly_hours=[hours(ANA), hours(BEN, time(9, 5), time(11))],
        clinician_busy=[busy(at(14, 30), at(15)), busy(at(15), at(15, 40), who=BEN)],
        room_busy=[RoomBusy(ROOM_A, Period(at(14), at(15, 20)))],
        time_off={BEN: [Period(at(15, 50), at(16))]},
    )
    by_start = {s.starts_at: (s.clinician_id, s.room_id) for s in find_slots(query)}
    for start in every(at(13), at(18), step=1):
        possible = [
            (clinician, room.id)
            for clinician in query.clinician_ids
            for room in rooms
            if fits(query, starts_at=start, clinician_id=clinician, room_id=room.id) is None
        ]
        assert by_start.get(start) == (possible[0] if possible else None), start


# --- daylight saving time --------------------------------------------------------------------


class DstDay(NamedTuple):
    zone: ZoneInfo
    day: date
    minutes: int  # real minutes in 00:00-06:00 local
    hour: int  # the skipped (spring) or repeated (autumn) local hour

    def __str__(self) -> str:
        return f"{self.zone.key}-{self.day}"


SPRING = [DstDay(NY, date(2026, 3, 8), 300, 2), DstDay(LONDON, date(2026, 3, 29), 300, 1)]
AUTUMN = [DstDay(NY, date(2026, 11, 1), 420, 1), DstDay(LONDON, date(2026, 10, 25), 420, 1)]
SHORT = replace(CONSULT, clinician_minutes=15, room_minutes=0, room_kind=None)


def dst_query(case: DstDay, rules: TypeRules = SHORT, **changes: Any) -> AvailabilityQuery:
    early = [hours(start=time(0), end=time(6), weekday=weekday) for weekday in range(7)]
    return make_query(
        zone=case.zone, rules=rules, weekly_hours=early, first_day=case.day, last_day=case.day,
        **changes,
    )  # fmt: skip


@pytest.mark.parametrize("case", SPRING + AUTUMN, ids=str)
def test_dst_slot_count_is_real_minutes_over_step(case: DstDay) -> None:
    assert len(find_slots(dst_query(case))) == case.minutes // 15


@pytest.mark.parametrize("case", SPRING + AUTUMN, ids=str)
def test_dst_slot_instants_are_unique_and_a_step_apart(case: DstDay) -> None:
    found = starts(find_slots(dst_query(case)))
    assert all(later - earlier == 15 * MINUTE for earlier, later in pairwise(found))


@pytest.mark.parametrize("case", SPRING, ids=str)
def test_dst_spring_no_slot_in_the_skipped_hour(case: DstDay) -> None:
    slots = find_slots(dst_query(case))
    assert all(s.starts_at.utcoffset() == timedelta(0) for s in slots)
    local = [s.starts_at.astimezone(case.zone) for s in slots]
    assert not [t for t in local if t.hour == case.hour]
    # ...and the hour after the gap is offered in full.
    assert len([t for t in local if t.hour == case.hour + 1]) == 4


@pytest.mark.parametrize("case", AUTUMN, ids=str)
def test_dst_autumn_repeated_hour_offers_each_real_instant_once(case: DstDay) -> None:
    local = [s.starts_at.astimezone(case.zone) for s in find_slots(dst_query(case))]
    repeated = [t for t in local if t.hour == case.hour]
    first = datetime.combine(case.day, time(case.hour), case.zone).astimezone(UTC)  # fold=0
    assert [t.astimezone(UTC) for t in repeated] == every(first, first + 105 * MINUTE)
    assert [t.fold for t in repeated] == [0] * 4 + [1] * 4


@pytest.mark.parametrize(
    ("case", "local_end"),
    [
        (SPRING[0], (time(3, 30), 0)),  # 00:30 EST + 2 h = 03:30 EDT
        (SPRING[1], (time(3, 30), 0)),  # 00:30 GMT + 2 h = 03:30 BST
        (AUTUMN[0], (time(1, 30), 1)),  # 00:30 EDT + 2 h = the second 01:30 (EST)
        (AUTUMN[1], (time(1, 30), 1)),  # 00:30 BST + 2 h = the second 01:30 (GMT)
    ],
    ids=str,
)
def test_dst_two_hour_session_across_the_change_lasts_two_real_hours(
    case: DstDay, local_end: tuple[time, int]
) -> None:
    slots = find_slots(dst_query(case, replace(SHORT, clinician_minutes=120)))
    assert all(s.ends_at - s.starts_at == 120 * MINUTE for s in slots)
    half_past = datetime.combine(case.day, time(0, 30), case.zone)
    end = next(s.ends_at for s in slots if s.starts_at == half_past).astimezone(case.zone)
    assert (end.time(), end.fold) == local_end


@pytest.mark.parametrize("case", SPRING + AUTUMN, ids=str)
def test_fits_accepts_every_slot_on_a_dst_day(case: DstDay) -> None:
    query = dst_query(case)
    for slot in find_slots(query):
        assert fits(query, starts_at=slot.starts_at, clinician_id=ANA, room_id=None) is None


def test_hours_starting_in_the_spring_gap_move_forward() -> None:
    day = SPRING[0].day
    query = dst_query(SPRING[0], overrides=[DayOverride(ANA, day, time(2, 30), time(4))])
    # 02:30 does not exist: read with the pre-gap offset it is 03:30 EDT (07:30Z).
    assert starts(find_slots(query)) == every(at(7, 30, day), at(7, 45, day))


def test_hours_ending_in_the_spring_gap_move_forward() -> None:
    day = SPRING[0].day
    query = dst_query(SPRING[0], overrides=[DayOverride(ANA, day, time(1), time(2, 30))])
    # 01:00 EST (06:00Z) until 02:30 read forward = 03:30 EDT (07:30Z).
    assert starts(find_slots(query)) == every(at(6, day=day), at(7, 15, day))


def test_ambiguous_bounds_start_at_the_first_and_end_at_the_second_occurrence() -> None:
    day = AUTUMN[0].day
    rows = [DayOverride(ANA, day, time(1, 30), time(1, 45))]  # 01:30 EDT .. 01:45 EST
    query = dst_query(AUTUMN[0], overrides=rows)
    assert starts(find_slots(query)) == every(at(5, 30, day), at(6, 30, day))


@pytest.mark.parametrize(
    ("zone", "day", "utc_hour"),
    [
        (NY, date(2026, 3, 6), 14),  # the Friday before: EST
        (NY, date(2026, 3, 9), 13),  # the Monday after: EDT
        (NY, date(2026, 10, 30), 13),
        (NY, date(2026, 11, 2), 14),
        (LONDON, date(2026, 3, 30), 8),  # BST
        (LONDON, date(2026, 10, 26), 9),  # GMT
    ],
    ids=str,
)
def test_nine_oclock_is_at_the_offset_of_its_own_date(
    zone: ZoneInfo, day: date, utc_hour: int
) -> None:
    week = [hours(weekday=weekday, end=time(10)) for weekday in range(7)]
    query = make_query(zone=zone, weekly_hours=week, first_day=day, last_day=day)
    assert starts(find_slots(query)) == [at(utc_hour, day=day)]


# --- find_slots and fits agree on random books -------------------------------------------------


def _random_query(rng: random.Random) -> AvailabilityQuery:
    """A busy Monday: random buffers, step, limits, bookings, holds, time off and a closure."""
    supervised = rng.random() < 0.5
    rules = replace(
        TREATMENT if supervised else CONSULT,
        buffer_before_minutes=rng.choice([0, 5, 15]),
        buffer_after_minutes=rng.choice([0, 10, 15]),
        slot_step_minutes=rng.choice([5, 15, 30]),
        max_starts_per_window=rng.choice([1, 2]) if supervised else None,
        start_window_minutes=rng.choice([15, 30, 45]),
    )

    def period(longest: int) -> Period:
        start = at(13) + rng.randrange(0, 8 * 60, 5) * MINUTE
        return Period(start, start + rng.randrange(5, longest, 5) * MINUTE)

    def clinician_busy() -> ClinicianBusy:
        span = period(150)
        mode: ClinicianMode = rng.choice(["exclusive", "supervision"])
        return ClinicianBusy(rng.choice([ANA, BEN]), span, mode, span.starts_at)

    rooms = CHAIRS if supervised else [Room(ROOM_A, "consult_room"), Room(ROOM_B, "consult_room")]
    return make_query(
        rules=rules,
        clinician_ids=[ANA, BEN],
        rooms=rooms,
        weekly_hours=[hours(ANA, time(8), time(16)), hours(BEN, time(9, 5), time(17))],
        clinician_busy=[clinician_busy() for _ in range(rng.randrange(0, 8))],
        room_busy=[RoomBusy(rng.choice(rooms).id, period(180)) for _ in range(rng.randrange(6))],
        time_off={BEN: [period(90)]} if rng.random() < 0.5 else {},
        closures=[period(60)] if rng.random() < 0.3 else [],
    )


@pytest.mark.parametrize("seed", range(40))
def test_find_slots_offers_exactly_what_fits_accepts(seed: int) -> None:
    query = _random_query(random.Random(seed))  # noqa: S311 (a reproducible book, not a secret)
    by_start = {s.starts_at: (s.clinician_id, s.room_id) for s in find_slots(query)}
    for start in every(at(12), at(22), step=5):
        possible = [
            (clinician, room.id)
            for clinician in query.clinician_ids
            for room in query.rooms
            if fits(query, starts_at=start, clinician_id=clinician, room_id=room.id) is None
        ]
        assert by_start.get(start) == (possible[0] if possible else None), start
