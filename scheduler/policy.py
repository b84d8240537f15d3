"""The notice policy: which reminders, ride and aftercare notices an appointment gets, when,
to whom and on which channel. Pure: plain facts, a policy and "now" in, planned notices out.

Booking calls it (through ``planning.plan``) for every change, in the same transaction, so
notices never drift from the book. A moment that passed before planning is sent at once if
it still helps, otherwise planned as skipped with its reason, so staff see why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from notifications.channels.base import ChannelKind
from scheduler import quiet_hours
from scheduler.facts import AppointmentFacts, Change, ContactRestriction, OfferFacts
from scheduler.rules import (
    BEFORE_VISIT,
    DEFAULT_POLICY,
    REMINDERS,
    Anchor,
    Audience,
    NoticeKind,
    NoticePolicy,
    Rule,
)

_AFTER_DISCHARGE_USEFUL = {
    NoticeKind.READY_FOR_PICKUP: timedelta(hours=2),
    NoticeKind.AFTERCARE: timedelta(hours=24),
    NoticeKind.CHECK_IN: timedelta(hours=12),
}


class PlannedStatus(enum.StrEnum):
    PENDING = "pending"
    SKIPPED = "skipped"  # nothing to send, and why: visible to staff
    FAILED = "failed"  # needs staff: a patient with no usable channel


class Reason(enum.StrEnum):
    PASSED = "passed"  # its moment and its usefulness both passed before it was planned
    VISIT_STARTED = "visit_started"
    SUPERSEDED = "superseded"  # a nearer reminder that also passed goes instead
    COVERED_BY_CONFIRMATION = "covered_by_confirmation"
    QUIET_HOURS = "quiet_hours"  # no allowed moment before its deadline
    NO_USABLE_CHANNEL = "no_usable_channel"
    ESCORT_NOT_TOLD = "escort_not_told"  # the patient's confidential-communication request


@dataclass(frozen=True)
class PlannedNotice:
    kind: NoticeKind
    audience: Audience
    channel: ChannelKind | None  # None: a staff task
    to: str | None
    moment_at: datetime  # the moment the rule names, before catch-up and quiet hours
    due_at: datetime  # when to send
    send_before: datetime | None  # no use after this
    zone: str  # the recipient's
    key: str  # (appointment, kind, audience, sequence): unique in the outbox
    status: PlannedStatus = PlannedStatus.PENDING
    reason: Reason | None = None
    fallbacks: tuple[tuple[ChannelKind, str], ...] = ()  # other consented channels, in order


@dataclass(frozen=True)
class _Wanted:
    kind: NoticeKind
    rule: Rule
    moment: datetime
    send_before: datetime | None


def notices_for(
    facts: AppointmentFacts, policy: NoticePolicy = DEFAULT_POLICY, *, now: datetime
) -> list[PlannedNotice]:
    """Every notice the appointment should have after this change, as of ``now``."""
    rules = policy.rules_for(facts.kind)
    wanted = [w for kind, rule in rules.items() if (w := _want(facts, policy, kind, rule, now))]
    reasons = _catch_up_reasons(wanted, now)
    return [_route(facts, policy, w, now, reasons.get(w.kind)) for w in wanted]


def _want(
    facts: AppointmentFacts, policy: NoticePolicy, kind: NoticeKind, rule: Rule, now: datetime
) -> _Wanted | None:
    status, change = facts.status, facts.change
    if kind is NoticeKind.CANCELLATION:
        ok = change is Change.CANCELLED
        return _Wanted(kind, rule, now, facts.ends_at) if ok else None
    if status == "booked" and kind in BEFORE_VISIT:
        if kind is NoticeKind.CONFIRMATION:
            ok = change in (Change.BOOKED, Change.RESCHEDULED)
            return _Wanted(kind, rule, now, facts.starts_at) if ok else None
        return _Wanted(kind, rule, facts.starts_at - rule.offset, facts.starts_at)
    if status in ("booked", "checked_in") and rule.anchor is Anchor.END:
        return _Wanted(kind, rule, facts.ends_at - rule.offset, facts.ends_at)
    if status == "completed" and rule.anchor is Anchor.DISCHARGE:
        discharged = facts.completed_at or facts.ends_at
        moment = discharged + rule.offset
        if kind is NoticeKind.CHECK_IN:
            zone = ZoneInfo(facts.patient_zone or facts.zone)
            day = discharged.astimezone(zone).date() + timedelta(days=1)
            moment = datetime.combine(day, policy.check_in_at, tzinfo=zone).astimezone(UTC)
        useful = _AFTER_DISCHARGE_USEFUL.get(kind)
        return _Wanted(kind, rule, moment, moment + useful if useful else None)
    return None


def _catch_up_reasons(wanted: list[_Wanted], now: datetime) -> dict[NoticeKind, Reason]:
    """Passed reminders: only the nearest to the visit goes at once, unless a confirmation
    goes now too (it says the same); a passed deadline skips anything."""
    reasons: dict[NoticeKind, Reason] = {}
    for w in wanted:
        if w.send_before is not None and now >= w.send_before:
            started = w.kind in BEFORE_VISIT
            reasons[w.kind] = Reason.VISIT_STARTED if started else Reason.PASSED
    passed = sorted(
        (w for w in wanted if w.kind in REMINDERS and w.moment <= now and w.kind not in reasons),
        key=lambda w: w.moment,
    )
    confirming = any(w.kind is NoticeKind.CONFIRMATION and w.kind not in reasons for w in wanted)
    for w in passed[:-1]:
        reasons[w.kind] = Reason.SUPERSEDED
    if passed and confirming:
        reasons[passed[-1].kind] = Reason.COVERED_BY_CONFIRMATION
    return reasons


def _route(
    facts: AppointmentFacts, policy: NoticePolicy, w: _Wanted, now: datetime, reason: Reason | None
) -> PlannedNotice:
    audience = w.rule.audience
    zone = facts.patient_zone or facts.zone if audience is Audience.PATIENT else facts.zone
    due = max(w.moment, now)
    base = PlannedNotice(
        kind=w.kind, audience=audience, channel=None, to=None, moment_at=w.moment, due_at=due,
        send_before=w.send_before, zone=zone, key=notice_key(facts, w.kind, audience),
    )  # fmt: skip
    if reason is not None:
        return _skip(base, reason)
    if audience is Audience.STAFF:
        return base
    if audience is Audience.ESCORT and facts.no_escort_messages:
        return _skip(base, Reason.ESCORT_NOT_TOLD)
    candidates = _channels(facts, audience, w.rule.channels)
    if not candidates:
        failed = audience is Audience.PATIENT
        return _skip(base, Reason.NO_USABLE_CHANNEL, failed=failed)
    return _first_placeable(base, candidates, policy, now)


def _first_placeable(
    base: PlannedNotice,
    candidates: list[tuple[ChannelKind, str]],
    policy: NoticePolicy,
    now: datetime,
) -> PlannedNotice:
    """The first channel with a moment to send on (quiet hours bind SMS only)."""
    for index, (channel, to) in enumerate(candidates):
        due = sms_moment(base, policy, now) if channel is ChannelKind.SMS else base.due_at
        if due is not None:
            rest = tuple(candidates[index + 1 :])
            return _replace(base, channel=channel, to=to, due_at=due, fallbacks=rest)
    return _skip(base, Reason.QUIET_HOURS)


def sms_moment(notice: PlannedNotice, policy: NoticePolicy, now: datetime) -> datetime | None:
    """When this notice may go by SMS (None: never before its deadline)."""
    return quiet_hours.sms_moment(
        notice.kind, notice.due_at, zone=notice.zone, hours=policy.quiet_hours, now=now,
        send_before=notice.send_before,
    )  # fmt: skip


def _channels(
    facts: AppointmentFacts, audience: Audience, preferred: tuple[ChannelKind, ...]
) -> list[tuple[ChannelKind, str]]:
    """Consented channels, the rule's order first, then any other the patient allows."""
    if audience is Audience.ESCORT:
        return [(ChannelKind.SMS, facts.escort_phone)] if facts.escort_phone else []
    usable = usable_channels(facts)
    order = [*preferred, *(c for c in ChannelKind if c not in preferred)]
    return [(channel, usable[channel]) for channel in order if channel in usable]


def usable_channels(facts: AppointmentFacts | OfferFacts) -> dict[ChannelKind, str]:
    """The patient's channels that consent and the confidential request both allow."""
    usable: dict[ChannelKind, str] = {}
    restriction = facts.contact_restriction
    if facts.patient_phone and facts.sms_consent and restriction != ContactRestriction.EMAIL_ONLY:
        usable[ChannelKind.SMS] = facts.patient_phone
    if facts.patient_email and facts.email_consent and restriction != ContactRestriction.SMS_ONLY:
        usable[ChannelKind.EMAIL] = facts.patient_email
    return usable


def notice_key(facts: AppointmentFacts, kind: NoticeKind, audience: Audience) -> str:
    """The idempotency key. A series is confirmed once, whichever session plans first."""
    if kind is NoticeKind.CONFIRMATION and facts.series_id and facts.change is Change.BOOKED:
        return f"series:{facts.series_id}/{kind}/{audience}/0"
    return f"{facts.appointment_id}/{kind}/{audience}/{facts.sequence}"


def _skip(notice: PlannedNotice, reason: Reason, *, failed: bool = False) -> PlannedNotice:
    status = PlannedStatus.FAILED if failed else PlannedStatus.SKIPPED
    return _replace(notice, status=status, reason=reason)


def _replace(notice: PlannedNotice, **changes: Any) -> PlannedNotice:
    return replace(notice, **changes)


def context_of(facts: AppointmentFacts) -> dict[str, Any]:
    """What a template or an invite may use, as JSON-ready plain data (times in the
    patient's zone; the location's zone for the invite)."""
    zone = ZoneInfo(facts.patient_zone or facts.zone)

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment is not None else None

    def before(minutes: int | None) -> str | None:
        return local(facts.starts_at - timedelta(minutes=minutes)) if minutes else None

    return {
        "appointment_id": str(facts.appointment_id),  # the invite's UID
        "sequence": facts.sequence,  # the send-time re-check compares it with the appointment's
        "change": facts.change.value,
        "cancelled_by": "clinic" if facts.cancelled_by_clinic else "patient",
        "patient_name": facts.patient_name,
        "visit_name": facts.visit_name,
        "visit_kind": facts.kind,
        "starts_at": local(facts.starts_at),
        "ends_at": local(facts.ends_at),
        "previous_starts_at": local(facts.previous_starts_at),
        "zone": zone.key,
        "location_zone": facts.zone,
        "series_starts": [local(s) for s in facts.series_starts],
        "location_name": facts.location_name,
        "location_address": facts.location_address,
        "location_phone": facts.location_phone,
        "clinician_name": facts.clinician_name,
        "preparation": facts.preparation,
        "no_food_after": before(facts.fast_food_minutes),
        "no_liquids_after": before(facts.fast_liquids_minutes),
        "manage_path": facts.manage_path,
        "escort_name": facts.escort_name,
    }
