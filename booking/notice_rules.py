"""An appointment type's notice settings: the stored overrides over the scheduler's defaults.

Pure. Overrides are stored per notice kind with only the fields an administrator set
(``enabled``, ``offset_minutes``, ``channels``), so a kind never overridden follows the
defaults. Offsets are signed minutes from the rule's anchor: negative is before the visit
(or its expected end), positive after the discharge; a notice sent at the change itself or at
the next-day check-in hour has no offset.

Two of the type's own settings shape its defaults before any override: the REMS
monitoring-form task is due ``monitoring_form_days`` after the session (when set), and every
plan keeps the process's configured SMS quiet hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from core.settings import Settings
from notifications.channels.base import ChannelKind
from scheduler.rules import (
    DEFAULT_POLICY,
    Anchor,
    Audience,
    NoticeKind,
    NoticePolicy,
    QuietHours,
    Rule,
)

MAX_OFFSET_MINUTES = 30 * 24 * 60  # a month either way: anything further is a typo
_BEFORE = frozenset({Anchor.START, Anchor.END})  # the rule's offset counts back from these
_FIXED_TIME = frozenset({NoticeKind.CHECK_IN})  # at ``check_in_at``, not an offset

Overrides = Mapping[str, Mapping[str, Any]]  # kind -> the fields set, as stored


def defaults(visit_kind: str, monitoring_form_days: int | None = None) -> dict[NoticeKind, Rule]:
    """Every rule the visit type has by default (its notice kinds, in the policy's order);
    the REMS task falls due the type's ``monitoring_form_days`` after the session."""
    rules = dict(DEFAULT_POLICY.rules.get(visit_kind, {}))
    rems = rules.get(NoticeKind.REMS_FORM)
    if rems is not None and monitoring_form_days:
        rules[NoticeKind.REMS_FORM] = replace(rems, offset=timedelta(days=monitoring_form_days))
    return rules


def quiet_hours(settings: Settings | None) -> QuietHours:
    """The SMS quiet hours this process is configured with (the defaults without settings)."""
    if settings is None:
        return DEFAULT_POLICY.quiet_hours
    return QuietHours(
        start=settings.quiet_hours_start, end=settings.quiet_hours_end,
        exempt_time_critical=settings.pickup_exempt_from_quiet_hours,
    )  # fmt: skip


def has_offset(kind: NoticeKind, rule: Rule) -> bool:
    return rule.anchor is not Anchor.CHANGE and kind not in _FIXED_TIME


def signed_minutes(rule: Rule) -> int:
    minutes = int(rule.offset.total_seconds() // 60)
    return -minutes if rule.anchor in _BEFORE else minutes


def applied(kind: NoticeKind, rule: Rule, fields: Mapping[str, Any]) -> Rule:
    """``rule`` with an administrator's fields over it (unset fields keep the default)."""
    changes: dict[str, Any] = {}
    if fields.get("enabled") is not None:
        changes["enabled"] = bool(fields["enabled"])
    minutes = fields.get("offset_minutes")
    if minutes is not None and has_offset(kind, rule):
        back = rule.anchor in _BEFORE
        changes["offset"] = timedelta(minutes=-minutes if back else minutes)
    if fields.get("channels") is not None:
        changes["channels"] = tuple(ChannelKind(c) for c in fields["channels"])
    return replace(rule, **changes)


def effective(
    visit_kind: str, overrides: Overrides, monitoring_form_days: int | None = None
) -> dict[NoticeKind, tuple[Rule, bool]]:
    """Each rule of the visit type as it applies, and whether an override changed it."""
    found: dict[NoticeKind, tuple[Rule, bool]] = {}
    for kind, rule in defaults(visit_kind, monitoring_form_days).items():
        fields = overrides.get(kind.value)
        found[kind] = (applied(kind, rule, fields), True) if fields else (rule, False)
    return found


def policy_of(
    visit_kind: str,
    overrides: Overrides | None,
    *,
    monitoring_form_days: int | None = None,
    quiet: QuietHours | None = None,
) -> NoticePolicy:
    """The policy one appointment type plans with: its defaults (with its REMS days), its
    overrides on top, and the configured quiet hours."""
    policy = replace(DEFAULT_POLICY, quiet_hours=quiet or DEFAULT_POLICY.quiet_hours)
    rules = effective(visit_kind, overrides or {}, monitoring_form_days)
    for kind, (rule, _overridden) in rules.items():
        if rule != policy.rules.get(visit_kind, {}).get(kind):
            policy = policy.with_rule(visit_kind, kind, rule)
    return policy


def problems(kind: NoticeKind, rule: Rule, fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with ``rule`` (defaults plus ``fields``) as (field, message) pairs."""
    found: list[tuple[str, str]] = []
    minutes = fields.get("offset_minutes")
    if minutes is not None and not has_offset(kind, rule):
        found.append(("offset_minutes", f"{kind.value} is sent at a fixed moment, not an offset"))
    elif minutes is not None and rule.anchor is Anchor.START and minutes >= 0:
        found.append(("offset_minutes", "a reminder before the visit needs a negative offset"))
    elif minutes is not None and rule.anchor is Anchor.END and minutes > 0:
        found.append(("offset_minutes", "a pickup notice goes before the expected end (<= 0)"))
    elif minutes is not None and rule.anchor is Anchor.DISCHARGE and minutes < 0:
        found.append(("offset_minutes", "a notice after the discharge needs an offset >= 0"))
    channels = fields.get("channels")
    if channels is not None and rule.audience is Audience.STAFF and channels:
        found.append(("channels", "a staff task is not sent on a channel: give []"))
    elif channels is not None and rule.audience is Audience.ESCORT and list(channels) != ["sms"]:
        found.append(("channels", "the escort is reached by SMS only: give ['sms']"))
    elif rule.enabled and rule.audience is not Audience.STAFF and not rule.channels:
        found.append(("channels", "an enabled notice needs at least one channel"))
    return found
