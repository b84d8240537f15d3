"""SMS quiet hours, pure: reminders move earlier, after-care later, pickups exempt, DST-correct."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.channels.base import ChannelKind
from scheduler.facts import Change, ContactRestriction
from scheduler.policy import PlannedStatus, Reason, notices_for
from scheduler.quiet_hours import (
    Shift,
    allowed,
    next_allowed,
    place,
    previous_allowed,
    sms_moment,
)
from scheduler.rules import BEFORE_VISIT, DEFAULT_POLICY, NoticeKind, QuietHours
from tests.scheduler.facts_helpers import facts

ZONE = ZoneInfo("America/New_York")
HOURS = QuietHours()
K = NoticeKind


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@pytest.mark.parametrize(
    ("wall", "expected"),
    [((7, 59), False), ((8, 0), True), ((14, 30), True), ((21, 0), True), ((21, 1), False)],
)
def test_the_window_is_eight_to_nine_inclusive(wall: tuple[int, int], expected: bool) -> None:
    assert allowed(local(2026, 12, 2, *wall), ZONE, HOURS) is expected


def test_previous_and_next_allowed_moments() -> None:
    early, late = local(2026, 12, 2, 6, 30), local(2026, 12, 2, 22, 15)
    assert previous_allowed(early, ZONE, HOURS) == local(2026, 12, 1, 21, 0)
    assert previous_allowed(late, ZONE, HOURS) == local(2026, 12, 2, 21, 0)
    assert next_allowed(early, ZONE, HOURS) == local(2026, 12, 2, 8, 0)
    assert next_allowed(late, ZONE, HOURS) == local(2026, 12, 3, 8, 0)


def test_never_earlier_than_planning_then_the_other_way_then_nowhere() -> None:
    due = local(2026, 12, 2, 6, 0)
    # Planned at 23:00 the night before: earlier is the past, so the morning, if in time.
    planned = local(2026, 12, 1, 23, 0)

    def placed(send_before: datetime) -> datetime | None:
        return place(
            due, zone=ZONE, hours=HOURS, prefer=Shift.EARLIER, not_before=planned,
            send_before=send_before,
        )  # fmt: skip

    assert placed(local(2026, 12, 2, 9, 0)) == local(2026, 12, 2, 8)
    assert placed(local(2026, 12, 2, 7, 0)) is None


def test_after_care_moves_later_unless_that_is_too_late() -> None:
    due = local(2026, 12, 2, 21, 30)
    moved = place(due, zone=ZONE, hours=HOURS, prefer=Shift.LATER, not_before=due, send_before=None)
    assert moved == local(2026, 12, 3, 8, 0)


def test_a_two_hour_reminder_for_a_nine_oclock_visit_goes_the_evening_before() -> None:
    f = facts(kind="iv_infusion", starts_at=local(2026, 12, 4, 9, 0), minutes=120)
    planned = {n.kind: n for n in notices_for(f, now=local(2026, 11, 26, 10, 0))}
    assert planned[K.HOURS_BEFORE].due_at == local(2026, 12, 3, 21, 0)
    assert planned[K.HOURS_BEFORE].moment_at == local(2026, 12, 4, 7, 0)


def test_aftercare_after_a_late_discharge_goes_next_morning_and_pickup_at_once() -> None:
    discharged = local(2026, 12, 4, 21, 40)
    f = facts(
        kind="iv_infusion", starts_at=local(2026, 12, 4, 19, 30), minutes=120,
        status="completed", change=Change.COMPLETED, completed_at=discharged,
    )  # fmt: skip
    planned = {n.kind: n for n in notices_for(f, now=discharged)}
    assert planned[K.AFTERCARE].due_at == local(2026, 12, 5, 8, 0)
    assert planned[K.AFTERCARE].channel is ChannelKind.SMS
    assert planned[K.READY_FOR_PICKUP].due_at == discharged  # time-critical: exempt


def test_a_confirmation_answers_a_late_booking_at_once_but_a_late_retry_waits() -> None:
    booked = local(2026, 12, 4, 22, 19)
    f = facts(starts_at=booked + timedelta(days=6), email_consent=False)
    confirmation = {n.kind: n for n in notices_for(f, now=booked)}[K.CONFIRMATION]
    assert (confirmation.channel, confirmation.due_at) == (ChannelKind.SMS, booked)
    # Re-checked at send time: the same minute goes; after a long outage it waits for 08:00.
    assert sms_moment(K.CONFIRMATION, booked, zone=ZONE.key, hours=HOURS, now=booked,
                      send_before=None) == booked  # fmt: skip
    late = booked + timedelta(hours=1)
    assert sms_moment(K.CONFIRMATION, booked, zone=ZONE.key, hours=HOURS, now=late,
                      send_before=None) == local(2026, 12, 5, 8, 0)  # fmt: skip
    # Reminders are not answers to anything: they still keep quiet hours.
    assert sms_moment(K.DAY_BEFORE, booked, zone=ZONE.key, hours=HOURS, now=booked,
                      send_before=None) != booked  # fmt: skip


def test_pickup_exemption_is_a_setting() -> None:
    policy = replace(DEFAULT_POLICY, quiet_hours=QuietHours(exempt_time_critical=False))
    discharged = local(2026, 12, 4, 21, 40)
    f = facts(
        kind="iv_infusion", starts_at=local(2026, 12, 4, 19, 30), minutes=120,
        status="completed", change=Change.COMPLETED, completed_at=discharged,
    )  # fmt: skip
    ready = {n.kind: n for n in notices_for(f, policy, now=discharged)}[K.READY_FOR_PICKUP]
    # Only SMS reaches the escort and the next morning is past its two useful hours.
    assert (ready.status, ready.reason) == (PlannedStatus.SKIPPED, Reason.QUIET_HOURS)


def test_stricter_hours_are_a_setting() -> None:
    policy = replace(DEFAULT_POLICY, quiet_hours=QuietHours(start=time(9), end=time(20)))
    f = facts(starts_at=local(2026, 12, 10, 8, 30))
    planned = {n.kind: n for n in notices_for(f, policy, now=local(2026, 11, 26, 10, 0))}
    assert planned[K.DAY_BEFORE].due_at == local(2026, 12, 8, 20, 0)


def test_when_sms_has_no_moment_email_takes_the_notice() -> None:
    # Booked at 23:00 for 06:30 (staff, no minimum notice): SMS cannot go before the visit.
    now = local(2026, 12, 1, 23, 0)
    f = facts(kind="iv_infusion", starts_at=local(2026, 12, 2, 6, 30), minutes=120)
    planned = {n.kind: n for n in notices_for(f, now=now)}
    assert planned[K.HOURS_BEFORE].channel is ChannelKind.EMAIL
    sms_only = replace(f, contact_restriction=ContactRestriction.SMS_ONLY)
    hours_before = {n.kind: n for n in notices_for(sms_only, now=now)}[K.HOURS_BEFORE]
    assert hours_before.reason is Reason.QUIET_HOURS


@pytest.mark.parametrize(
    ("day", "label"),
    [((2026, 3, 8), "spring forward"), ((2026, 11, 1), "fall back"), ((2026, 3, 9), "after")],
)
def test_across_dst_every_reminder_is_planned_once_before_the_visit_in_allowed_hours(
    day: tuple[int, int, int], label: str
) -> None:
    now = local(2026, 2, 1, 12, 0)
    for quarter in range(4 * 6, 4 * 20):  # visits from 06:00 to 19:45 local
        start = local(*day, *divmod(quarter * 15, 60))
        f = facts(kind="esketamine", starts_at=start, minutes=150, sequence=1)
        planned = [n for n in notices_for(f, now=now) if n.kind in BEFORE_VISIT]
        assert len({n.key for n in planned}) == len(planned) == 4, label
        for n in planned:
            assert n.status is PlannedStatus.PENDING, (label, start, n)
            assert n.due_at < start, (label, start, n)
            if n.channel is ChannelKind.SMS:
                assert allowed(n.due_at, ZONE, HOURS), (label, start, n)


def test_the_spring_forward_morning_moves_to_the_evening_before_at_the_right_offset() -> None:
    # Sunday 8 March 2026, 09:00 EDT: the 2 h reminder (07:00) is in quiet hours.
    f = facts(kind="iv_infusion", starts_at=local(2026, 3, 8, 9, 0), minutes=120)
    planned = {n.kind: n for n in notices_for(f, now=local(2026, 2, 1, 12, 0))}
    # 21:00 EST on Saturday is 02:00 UTC; the 24 h reminder is 24 real hours ahead.
    assert planned[K.HOURS_BEFORE].due_at == datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    assert planned[K.DAY_BEFORE].due_at == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)


def test_the_fall_back_morning_moves_to_the_evening_before_at_the_right_offset() -> None:
    # Sunday 1 November 2026, 09:00 EST (14:00 UTC): 21:00 EDT on Saturday is 01:00 UTC.
    f = facts(kind="iv_infusion", starts_at=local(2026, 11, 1, 9, 0), minutes=120)
    planned = {n.kind: n for n in notices_for(f, now=local(2026, 10, 1, 12, 0))}
    assert planned[K.HOURS_BEFORE].due_at == datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("completed", "check_in_utc"),
    [
        (datetime(2026, 3, 7, 16, 0), datetime(2026, 3, 8, 14, 0)),  # EDT begins overnight
        (datetime(2026, 10, 31, 16, 0), datetime(2026, 11, 1, 15, 0)),  # EST begins overnight
    ],
)
def test_the_next_day_check_in_is_ten_oclock_local_across_dst(
    completed: datetime, check_in_utc: datetime
) -> None:
    discharged = completed.replace(tzinfo=ZONE).astimezone(UTC)
    f = facts(
        kind="iv_infusion", starts_at=discharged - timedelta(hours=2), minutes=120,
        status="completed", change=Change.COMPLETED, completed_at=discharged,
    )  # fmt: skip
    check_in = {n.kind: n for n in notices_for(f, now=discharged)}[K.CHECK_IN]
    assert check_in.due_at == check_in_utc.replace(tzinfo=UTC)


def test_the_patients_own_zone_sets_their_quiet_hours() -> None:
    # A Los Angeles patient of a New York clinic: 10:00 in New York is 07:00 for them.
    f = facts(patient_zone="America/Los_Angeles", starts_at=local(2026, 12, 10, 10, 0))
    day_before = {n.kind: n for n in notices_for(f, now=local(2026, 11, 26, 10))}[K.DAY_BEFORE]
    la = ZoneInfo("America/Los_Angeles")
    assert day_before.due_at == datetime(2026, 12, 8, 21, 0, tzinfo=la).astimezone(UTC)
