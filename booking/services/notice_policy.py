"""An appointment type's notice policy: read it, set it, and re-plan what is still pending.

A change applies to notices planned afterwards (every plan reads the type's overrides) and,
in the same transaction, to the pending notices of the type's booked or in-progress
appointments and of its completed ones (aftercare, check-in, the REMS task): each is
re-planned as its last change planned it, so a reminder turned off is withdrawn, a new
offset moves it, and nothing already sent is touched or sent again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from booking import notice_rules
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location, Patient
from booking.schemas.notice_policy import NoticePolicyIn, NoticePolicyOut, NoticeRuleOut
from booking.services import reference
from booking.services.audit import record
from booking.services.context import Context
from booking.services.notice_facts import plan_notices
from core.errors import Invalid
from scheduler.facts import Change
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import NoticeKind, Rule

ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def get_notice_policy(ctx: Context, *, type_id: uuid.UUID) -> NoticePolicyOut:
    kind = ctx.get(AppointmentType, type_id, "appointment type")
    return _out(kind)


def set_notice_policy(ctx: Context, *, type_id: uuid.UUID, data: NoticePolicyIn) -> NoticePolicyOut:
    """Replace the type's overrides (audited) and re-plan its appointments' pending notices."""
    kind = ctx.get(AppointmentType, type_id, "appointment type")
    overrides = _validated(kind.kind.value, data, kind.monitoring_form_days)
    before = dict(kind.notice_policy or {})
    if overrides != before:
        kind.notice_policy = overrides  # a new value, never mutated: the setup cache shares it
        record(
            ctx, action="appointment_type.notice_policy", entity=kind,
            before={"notice_policy": before}, after={"notice_policy": overrides},
        )  # fmt: skip
        ctx.session.flush()
        _replan(ctx, kind)
    return _out(kind)


def _validated(visit_kind: str, data: NoticePolicyIn, rems_days: int | None) -> dict[str, Any]:
    defaults = notice_rules.defaults(visit_kind, rems_days)
    errors: list[dict[str, str]] = []
    overrides: dict[str, Any] = {}
    for index, given in enumerate(data.rules):
        where = f"rules.{index}"
        default = defaults.get(given.kind)
        if default is None:
            message = f"a {visit_kind} has no {given.kind.value} notice"
            errors.append({"field": f"{where}.kind", "message": message})
            continue
        fields = given.model_dump(exclude={"kind"}, exclude_none=True, mode="json")
        rule = notice_rules.applied(given.kind, default, fields)
        for field, message in notice_rules.problems(given.kind, rule, fields):
            errors.append({"field": f"{where}.{field}", "message": message})
        if fields:
            overrides[given.kind.value] = fields
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise Invalid("invalid_notice_policy", detail, errors=errors)
    return overrides


def _out(kind: AppointmentType) -> NoticePolicyOut:
    effective = notice_rules.effective(
        kind.kind.value, kind.notice_policy or {}, kind.monitoring_form_days
    )
    rules = [
        _rule_out(notice, rule, overridden) for notice, (rule, overridden) in effective.items()
    ]
    return NoticePolicyOut(appointment_type_id=kind.id, visit_kind=kind.kind.value, rules=rules)


def _rule_out(notice: NoticeKind, rule: Rule, overridden: bool) -> NoticeRuleOut:
    offset = notice_rules.signed_minutes(rule) if notice_rules.has_offset(notice, rule) else None
    return NoticeRuleOut(
        kind=notice, audience=rule.audience, anchor=rule.anchor, offset_minutes=offset,
        channels=list(rule.channels), enabled=rule.enabled, overridden=overridden,
    )  # fmt: skip


def _replan(ctx: Context, kind: AppointmentType) -> int:
    """Re-plan every booked or in-progress appointment of ``kind`` not over yet, and every
    completed one with a notice still pending (its aftercare, check-in or REMS task)."""
    of_kind = Appointment.appointment_type_id == kind.id
    upcoming = and_(Appointment.status.in_(ACTIVE), Appointment.ends_at > ctx.now)
    pending = select(Notice.appointment_id).where(Notice.status == NoticeStatus.PENDING)
    completed = and_(Appointment.status == AppointmentStatus.COMPLETED, Appointment.id.in_(pending))
    query = (
        select(Appointment)
        .where(of_kind, or_(upcoming, completed))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    appointments = list(ctx.session.scalars(query))
    if not appointments:
        return 0
    ids = [a.id for a in appointments]
    rows: dict[uuid.UUID, list[Notice]] = {}
    for row in ctx.session.scalars(select(Notice).where(Notice.appointment_id.in_(ids))):
        if row.appointment_id is not None:  # the query's filter: always
            rows.setdefault(row.appointment_id, []).append(row)
    names = reference.current(ctx).clinician_names  # once: this transaction changed the setup
    for appointment in appointments:
        change, series_starts = _last_change(rows.get(appointment.id, []), appointment.sequence)
        plan_notices(
            ctx, appointment, kind=kind, change=change, series_starts=series_starts,
            location=ctx.get(Location, appointment.location_id, "location"),
            patient=ctx.get(Patient, appointment.patient_id, "patient"), clinician_names=names,
        )  # fmt: skip
    return len(appointments)


def _last_change(rows: list[Notice], sequence: int) -> tuple[Change, list[datetime]]:
    """The change that planned the appointment's current notices (each row keeps it), so a
    re-plan plans the same set: a pending confirmation stays, a sent one is not repeated."""
    current = [row for row in rows if row.context.get("sequence") == sequence]
    confirming = [row for row in current if row.kind is NoticeKind.CONFIRMATION] or current
    if not confirming:
        return Change.CORRECTED, []  # plans the reminders only
    context = max(confirming, key=lambda row: row.updated_at).context
    starts = [datetime.fromisoformat(s) for s in context.get("series_starts") or []]
    return Change(context.get("change", Change.CORRECTED.value)), starts
