"""The notice policy, pure: DOMAIN.md's defaults, catch-up, consent, escorts, series, settings."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from notifications.channels.base import ChannelKind
from scheduler.facts import Change, ContactRestriction
from scheduler.policy import PlannedNotice, PlannedStatus, Reason, notices_for
from scheduler.rules import DEFAULT_POLICY, Anchor, Audience, NoticeKind, Rule
from tests.scheduler.facts_helpers import NOW, facts

K = NoticeKind
SMS, EMAIL = ChannelKind.SMS, ChannelKind.EMAIL


def by_kind(notices: list[PlannedNotice]) -> dict[NoticeKind, PlannedNotice]:
    kinds = [n.kind for n in notices]
    assert len(kinds) == len(set(kinds))
    return {n.kind: n for n in notices}


def test_a_consult_gets_a_confirmation_and_reminders_at_7_days_72_and_24_hours() -> None:
    f = facts()
    planned = by_kind(notices_for(f, now=NOW))
    assert set(planned) == {K.CONFIRMATION, K.WEEK_BEFORE, K.DAYS_BEFORE, K.DAY_BEFORE}
    assert planned[K.CONFIRMATION].due_at == NOW
    assert planned[K.CONFIRMATION].channel is EMAIL
    assert planned[K.WEEK_BEFORE].due_at == f.starts_at - timedelta(days=7)
    assert planned[K.DAYS_BEFORE].due_at == f.starts_at - timedelta(hours=72)
    assert planned[K.DAY_BEFORE].due_at == f.starts_at - timedelta(hours=24)
    assert planned[K.DAY_BEFORE].channel is SMS
    assert planned[K.DAY_BEFORE].fallbacks == ((EMAIL, "ada@example.org"),)
    assert all(n.status is PlannedStatus.PENDING for n in planned.values())
    assert all(n.send_before == f.starts_at for n in planned.values())


def test_a_treatment_gets_preparation_by_email_the_ride_check_by_sms_and_the_escorts_pickup() -> (
    None
):
    f = facts(kind="iv_infusion", minutes=120)
    planned = by_kind(notices_for(f, now=NOW))
    assert set(planned) == {
        K.CONFIRMATION, K.PREPARATION, K.DAY_BEFORE, K.HOURS_BEFORE, K.PICKUP,
    }  # fmt: skip
    assert planned[K.PREPARATION].channel is EMAIL
    assert planned[K.PREPARATION].due_at == f.starts_at - timedelta(hours=72)
    assert planned[K.DAY_BEFORE].channel is SMS
    assert planned[K.HOURS_BEFORE].due_at == f.starts_at - timedelta(hours=2)
    pickup = planned[K.PICKUP]
    assert (pickup.audience, pickup.channel, pickup.to) == (Audience.ESCORT, SMS, "+16175550102")
    assert pickup.due_at == f.ends_at - timedelta(minutes=30)
    assert pickup.send_before == f.ends_at


def test_completion_sends_ready_for_pickup_and_aftercare_at_the_real_discharge() -> None:
    start = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday 10:00 local
    discharged = start + timedelta(minutes=100)  # earlier than the scheduled end
    f = facts(
        kind="esketamine", minutes=150, starts_at=start, status="completed",
        change=Change.COMPLETED, completed_at=discharged,
    )  # fmt: skip
    planned = by_kind(notices_for(f, now=discharged))
    assert set(planned) == {K.READY_FOR_PICKUP, K.AFTERCARE, K.CHECK_IN, K.REMS_FORM}
    assert planned[K.READY_FOR_PICKUP].due_at == discharged
    assert planned[K.READY_FOR_PICKUP].audience is Audience.ESCORT
    assert planned[K.AFTERCARE].due_at == discharged
    assert planned[K.AFTERCARE].audience is Audience.PATIENT
    # 10:00 in New York on Saturday 28 November.
    assert planned[K.CHECK_IN].due_at == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    task = planned[K.REMS_FORM]
    assert (task.audience, task.channel, task.to) == (Audience.STAFF, None, None)
    assert task.due_at == discharged + timedelta(days=7)


def test_an_iv_session_has_no_rems_task_and_a_consult_no_aftercare() -> None:
    def done(kind: str) -> list[PlannedNotice]:
        f = facts(kind=kind, starts_in=timedelta(hours=-3), completed_at=NOW)
        return notices_for(replace(f, status="completed", change=Change.COMPLETED), now=NOW)

    iv = done("iv_infusion")
    assert K.REMS_FORM not in by_kind(iv)
    assert K.AFTERCARE in by_kind(iv)
    assert done("consult") == []


def test_after_check_in_only_the_pickup_remains() -> None:
    f = facts(kind="iv_infusion", minutes=120, starts_in=timedelta(minutes=-10))
    f = replace(f, status="checked_in", change=Change.CHECKED_IN)
    planned = by_kind(notices_for(f, now=NOW))
    assert set(planned) == {K.PICKUP}
    assert planned[K.PICKUP].status is PlannedStatus.PENDING


def test_cancel_plans_only_the_cancellation_at_once() -> None:
    f = replace(facts(), status="cancelled", change=Change.CANCELLED)
    planned = by_kind(notices_for(f, now=NOW))
    assert set(planned) == {K.CANCELLATION}
    assert planned[K.CANCELLATION].due_at == NOW


def test_a_no_show_plans_nothing() -> None:
    f = replace(facts(starts_in=timedelta(hours=-1)), status="no_show", change=Change.NO_SHOW)
    assert notices_for(f, now=NOW) == []


def test_passed_reminders_the_confirmation_covers_are_skipped_with_a_reason() -> None:
    f = facts(starts_in=timedelta(hours=30))
    planned = by_kind(notices_for(f, now=NOW))
    assert planned[K.WEEK_BEFORE].reason is Reason.SUPERSEDED
    assert planned[K.DAYS_BEFORE].reason is Reason.COVERED_BY_CONFIRMATION
    assert planned[K.DAYS_BEFORE].status is PlannedStatus.SKIPPED
    assert planned[K.DAY_BEFORE].status is PlannedStatus.PENDING


def test_without_a_confirmation_the_nearest_passed_reminder_goes_at_once() -> None:
    # A correction brings an appointment back to booked 30 h ahead: no new confirmation.
    f = replace(facts(starts_in=timedelta(hours=50)), change=Change.CORRECTED)
    planned = by_kind(notices_for(f, now=NOW))
    assert K.CONFIRMATION not in planned
    assert planned[K.WEEK_BEFORE].reason is Reason.SUPERSEDED
    assert planned[K.DAYS_BEFORE].status is PlannedStatus.PENDING
    assert planned[K.DAYS_BEFORE].due_at == NOW


def test_passed_preparation_still_goes_at_once() -> None:
    f = facts(kind="esketamine", minutes=150, starts_in=timedelta(hours=20))
    planned = by_kind(notices_for(f, now=NOW))
    assert planned[K.PREPARATION].status is PlannedStatus.PENDING
    assert planned[K.PREPARATION].due_at == NOW
    assert planned[K.DAY_BEFORE].reason is Reason.COVERED_BY_CONFIRMATION


def test_nothing_before_the_visit_goes_after_it_started() -> None:
    f = replace(facts(starts_in=timedelta(minutes=-5)), change=Change.CORRECTED)
    planned = notices_for(f, now=NOW)
    assert planned
    assert all(n.reason is Reason.VISIT_STARTED for n in planned)
    assert all(n.status is PlannedStatus.SKIPPED for n in planned)


def test_a_patient_with_no_usable_channel_is_failed_for_staff_not_dropped() -> None:
    f = facts(sms_consent=False, email_consent=False)
    planned = notices_for(f, now=NOW)
    assert planned
    assert all(n.status is PlannedStatus.FAILED for n in planned)
    assert all(n.reason is Reason.NO_USABLE_CHANNEL for n in planned)


def test_consent_decides_the_channel() -> None:
    planned = by_kind(notices_for(facts(email_consent=False), now=NOW))
    assert planned[K.CONFIRMATION].channel is SMS
    assert planned[K.CONFIRMATION].fallbacks == ()
    assert planned[K.CONFIRMATION].to == "+16175550101"


def test_email_only_is_honoured_for_every_notice() -> None:
    f = facts(kind="iv_infusion", contact_restriction=ContactRestriction.EMAIL_ONLY)
    planned = [n for n in notices_for(f, now=NOW) if n.audience is Audience.PATIENT]
    assert {n.channel for n in planned} == {EMAIL}
    assert all(n.fallbacks == () for n in planned)


def test_sms_only_is_honoured_for_every_notice() -> None:
    f = facts(contact_restriction=ContactRestriction.SMS_ONLY)
    assert {n.channel for n in notices_for(f, now=NOW)} == {SMS}


def test_no_escort_messages_keeps_the_escort_out_of_it() -> None:
    f = facts(kind="iv_infusion", no_escort_messages=True)
    pickup = by_kind(notices_for(f, now=NOW))[K.PICKUP]
    assert (pickup.status, pickup.reason, pickup.to) == (
        PlannedStatus.SKIPPED, Reason.ESCORT_NOT_TOLD, None,
    )  # fmt: skip


def test_keys_name_the_appointment_kind_audience_and_sequence() -> None:
    f = facts(sequence=4)
    keys = {n.key for n in notices_for(f, now=NOW)}
    assert f"{f.appointment_id}/day_before/patient/4" in keys
    assert len(keys) == 4


def test_a_series_gets_one_confirmation_whichever_session_plans_it() -> None:
    series = uuid.uuid4()
    first, second = (facts(series_id=series, starts_in=timedelta(days=d)) for d in (10, 13))
    key_of = {f.appointment_id: by_kind(notices_for(f, now=NOW))[K.CONFIRMATION].key
              for f in (first, second)}  # fmt: skip
    assert len(set(key_of.values())) == 1
    # A later reschedule of one session confirms that session alone.
    moved = replace(second, change=Change.RESCHEDULED, sequence=2)
    assert by_kind(notices_for(moved, now=NOW))[K.CONFIRMATION].key.startswith(
        str(second.appointment_id)
    )


def test_an_administrator_can_switch_a_notice_off_or_move_it() -> None:
    policy = DEFAULT_POLICY.with_rule(
        "consult", K.DAY_BEFORE, Rule(Anchor.START, timedelta(hours=24), enabled=False)
    ).with_rule("consult", K.DAYS_BEFORE, Rule(Anchor.START, timedelta(hours=48), (EMAIL,)))
    f = facts()
    planned = by_kind(notices_for(f, policy, now=NOW))
    assert K.DAY_BEFORE not in planned
    assert planned[K.DAYS_BEFORE].due_at == f.starts_at - timedelta(hours=48)
    assert planned[K.DAYS_BEFORE].channel is EMAIL
    assert by_kind(notices_for(f, now=NOW))[K.DAY_BEFORE]  # the default is untouched
