"""The notice kinds and the per-visit-type settings that say which go out, when and how.

Defaults are DOMAIN.md's. A ``NoticePolicy`` is plain data so an administrator's settings
(per appointment type) can replace any rule; the policy functions read nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta

from notifications.channels.base import ChannelKind

SMS, EMAIL = ChannelKind.SMS, ChannelKind.EMAIL


class NoticeKind(enum.StrEnum):
    CONFIRMATION = "confirmation"
    WEEK_BEFORE = "week_before"  # consult, 7 days
    DAYS_BEFORE = "days_before"  # consult, 72 h
    PREPARATION = "preparation"  # treatment, 72 h: preparation and fasting, by email
    DAY_BEFORE = "day_before"  # 24 h; for a treatment: confirm attendance and the ride (C / R)
    HOURS_BEFORE = "hours_before"  # 2 h
    PICKUP = "pickup"  # the escort, ahead of the expected end
    READY_FOR_PICKUP = "ready_for_pickup"  # the escort, at discharge
    AFTERCARE = "aftercare"  # the patient, at discharge
    CHECK_IN = "check_in"  # the patient, the next day
    REMS_FORM = "rems_form"  # a staff task, not a message
    CANCELLATION = "cancellation"
    # Not about an appointment (``Notice.appointment_id`` is None): what a text to us caused.
    CRISIS_ALERT = "crisis_alert"  # staff, by email to the on-call address: open the inbox
    STAFF_REPLY = "staff_reply"  # the patient: a staff member's free-text reply by SMS
    WAITLIST_OFFER = "waitlist_offer"  # the patient: a freed slot held for them a short while


class Audience(enum.StrEnum):
    PATIENT = "patient"
    ESCORT = "escort"
    STAFF = "staff"


class Anchor(enum.StrEnum):
    """The instant a rule's offset counts from."""

    CHANGE = "change"  # the booking, reschedule or cancel itself
    START = "start"  # offset before the start
    END = "end"  # offset before the scheduled end
    DISCHARGE = "discharge"  # offset after the real discharge


MESSAGE_NOTICES = frozenset({NoticeKind.CRISIS_ALERT, NoticeKind.STAFF_REPLY})
# Sent ahead of the visit: never after it started; quiet hours move them earlier.
BEFORE_VISIT = frozenset(
    {
        NoticeKind.CONFIRMATION,
        NoticeKind.WEEK_BEFORE,
        NoticeKind.DAYS_BEFORE,
        NoticeKind.PREPARATION,
        NoticeKind.DAY_BEFORE,
        NoticeKind.HOURS_BEFORE,
    }
)
# Plain reminders: when several passed before planning, only the nearest still goes.
REMINDERS = BEFORE_VISIT - {NoticeKind.CONFIRMATION, NoticeKind.PREPARATION}
TIME_CRITICAL = frozenset({NoticeKind.PICKUP, NoticeKind.READY_FOR_PICKUP})
TREATMENTS = frozenset({"iv_infusion", "esketamine"})


@dataclass(frozen=True)
class Rule:
    """One notice for one visit type: on or off, when, and the channels in preference order."""

    anchor: Anchor
    offset: timedelta = timedelta(0)
    channels: tuple[ChannelKind, ...] = (SMS, EMAIL)
    audience: Audience = Audience.PATIENT
    enabled: bool = True


def _start(hours: float, *channels: ChannelKind) -> Rule:
    return Rule(Anchor.START, timedelta(hours=hours), channels or (SMS, EMAIL))


_CONFIRMATION = Rule(Anchor.CHANGE, channels=(EMAIL, SMS))
_CANCELLATION = Rule(Anchor.CHANGE)
_CONSULT: dict[NoticeKind, Rule] = {
    NoticeKind.CONFIRMATION: _CONFIRMATION,
    NoticeKind.WEEK_BEFORE: _start(7 * 24, EMAIL, SMS),
    NoticeKind.DAYS_BEFORE: _start(72),
    NoticeKind.DAY_BEFORE: _start(24),
    NoticeKind.CANCELLATION: _CANCELLATION,
}
_FOLLOW_UP: dict[NoticeKind, Rule] = {
    k: r for k, r in _CONSULT.items() if k is not NoticeKind.WEEK_BEFORE
}
_TREATMENT: dict[NoticeKind, Rule] = {
    NoticeKind.CONFIRMATION: _CONFIRMATION,
    NoticeKind.PREPARATION: _start(72, EMAIL, SMS),
    NoticeKind.DAY_BEFORE: _start(24),
    NoticeKind.HOURS_BEFORE: _start(2),
    NoticeKind.PICKUP: Rule(Anchor.END, timedelta(minutes=30), (SMS,), Audience.ESCORT),
    NoticeKind.READY_FOR_PICKUP: Rule(Anchor.DISCHARGE, channels=(SMS,), audience=Audience.ESCORT),
    NoticeKind.AFTERCARE: Rule(Anchor.DISCHARGE),
    NoticeKind.CHECK_IN: Rule(Anchor.DISCHARGE),  # at ``check_in_at`` the next local day
    NoticeKind.CANCELLATION: _CANCELLATION,
}
_ESKETAMINE: dict[NoticeKind, Rule] = _TREATMENT | {
    NoticeKind.REMS_FORM: Rule(Anchor.DISCHARGE, timedelta(days=7), (), Audience.STAFF)
}


def _defaults() -> dict[str, dict[NoticeKind, Rule]]:
    return {
        "consult": dict(_CONSULT),
        "follow_up": dict(_FOLLOW_UP),
        "iv_infusion": dict(_TREATMENT),
        "esketamine": dict(_ESKETAMINE),
    }


@dataclass(frozen=True)
class QuietHours:
    """SMS is sent only between ``start`` and ``end`` (inclusive) in the recipient's zone."""

    start: time = time(8, 0)
    end: time = time(21, 0)
    exempt_time_critical: bool = True  # pickup notices go out whenever they are due


@dataclass(frozen=True)
class NoticePolicy:
    rules: Mapping[str, Mapping[NoticeKind, Rule]] = field(default_factory=_defaults)
    check_in_at: time = time(10, 0)  # the next-day check-in, local
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    def rules_for(self, visit_kind: str) -> dict[NoticeKind, Rule]:
        """The enabled rules of a visit type (an unknown type: the consult's)."""
        rules = self.rules.get(visit_kind, self.rules.get("consult", {}))
        return {kind: rule for kind, rule in rules.items() if rule.enabled}

    def with_rule(self, visit_kind: str, kind: NoticeKind, rule: Rule) -> NoticePolicy:
        """A copy with one rule replaced: how an administrator's setting applies."""
        rules = {name: dict(each) for name, each in self.rules.items()}
        rules.setdefault(visit_kind, {})[kind] = rule
        return replace(self, rules=rules)


DEFAULT_POLICY = NoticePolicy()
