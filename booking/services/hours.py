"""When clinicians work and when they and the clinic do not: weekly hours, date overrides,
time off and location closures. Overlapping rules are refused rather than silently merged,
so what staff see is exactly what availability will use."""

from __future__ import annotations

import enum
import uuid
from contextlib import nullcontext
from datetime import date, time

from sqlalchemy import select

from booking.models import (
    Clinician,
    DateOverride,
    Location,
    LocationClosure,
    TimeOff,
    WorkingHours,
)
from booking.schemas.setup import DateOverrideIn, PeriodIn, WorkingHoursIn
from booking.services.attention import Scope, guard
from booking.services.audit import delete_audited, record_create
from booking.services.context import Context
from core.errors import Invalid, NotFound


def _times_overlap(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    return a_start < b_end and b_start < a_end


def _dates_overlap(
    a_from: date | None, a_until: date | None, b_from: date | None, b_until: date | None
) -> bool:
    return (a_from or date.min) <= (b_until or date.max) and (b_from or date.min) <= (
        a_until or date.max
    )


def _require_location(ctx: Context, location_id: uuid.UUID) -> None:
    if ctx.session.get(Location, location_id) is None:
        raise Invalid("unknown_reference", "unknown location")


def add_working_hours(
    ctx: Context, *, clinician_id: uuid.UUID, data: WorkingHoursIn
) -> WorkingHours:
    ctx.get(Clinician, clinician_id, "clinician")
    _require_location(ctx, data.location_id)
    # A clinician is in one place at a time, so rules at other locations count too.
    same_day = ctx.session.scalars(
        select(WorkingHours).where(
            WorkingHours.clinician_id == clinician_id, WorkingHours.weekday == data.weekday
        )
    )
    for rule in same_day:
        if _times_overlap(
            rule.start_time, rule.end_time, data.start_time, data.end_time
        ) and _dates_overlap(
            rule.effective_from, rule.effective_until, data.effective_from, data.effective_until
        ):
            raise Invalid(
                "hours_overlap",
                f"overlaps the existing rule {rule.start_time:%H:%M}-{rule.end_time:%H:%M} "
                "on the same weekday",
                conflicting_id=str(rule.id),
            )
    hours = WorkingHours(clinician_id=clinician_id, **data.model_dump())
    ctx.session.add(hours)
    record_create(ctx, hours, action="working_hours.create")
    return hours


def list_working_hours(ctx: Context, *, clinician_id: uuid.UUID) -> list[WorkingHours]:
    ctx.get(Clinician, clinician_id, "clinician")
    query = select(WorkingHours).where(WorkingHours.clinician_id == clinician_id)
    order = (WorkingHours.weekday, WorkingHours.start_time)
    return list(ctx.session.scalars(query.order_by(*order)))


def _override_clash(other: DateOverride, new: DateOverrideIn) -> bool:
    if other.start_time is None or other.end_time is None:
        return True  # a day off leaves no room for other hours that date
    if new.start_time is None or new.end_time is None:
        return True
    return _times_overlap(other.start_time, other.end_time, new.start_time, new.end_time)


def add_date_override(
    ctx: Context, *, clinician_id: uuid.UUID, data: DateOverrideIn, confirmed: bool = False
) -> DateOverride:
    """Refused with 409 ``affects_appointments`` while it would strand bookings, unless
    ``confirmed`` (so are time off, closures and removing hours)."""
    ctx.get(Clinician, clinician_id, "clinician")
    _require_location(ctx, data.location_id)
    existing = ctx.session.scalars(
        select(DateOverride).where(
            DateOverride.clinician_id == clinician_id, DateOverride.on_date == data.on_date
        )
    )
    for other in existing:
        if _override_clash(other, data):
            raise Invalid(
                "override_overlap",
                f"{data.on_date.isoformat()} already has an override that overlaps this one",
                conflicting_id=str(other.id),
            )
    with guard(ctx, Scope.around_date(clinician_id, data.on_date), confirmed=confirmed):
        override = DateOverride(clinician_id=clinician_id, **data.model_dump())
        ctx.session.add(override)
        record_create(ctx, override, action="date_override.create")
    return override


def list_date_overrides(ctx: Context, *, clinician_id: uuid.UUID) -> list[DateOverride]:
    ctx.get(Clinician, clinician_id, "clinician")
    query = select(DateOverride).where(DateOverride.clinician_id == clinician_id)
    order = (DateOverride.on_date, DateOverride.start_time)
    return list(ctx.session.scalars(query.order_by(*order)))


def add_time_off(
    ctx: Context, *, clinician_id: uuid.UUID, data: PeriodIn, confirmed: bool = False
) -> TimeOff:
    ctx.get(Clinician, clinician_id, "clinician")
    scope = Scope(clinician_id=clinician_id, since=data.starts_at, until=data.ends_at)
    with guard(ctx, scope, confirmed=confirmed):
        time_off = TimeOff(clinician_id=clinician_id, **data.model_dump())
        ctx.session.add(time_off)
        record_create(ctx, time_off, action="time_off.create")
    return time_off


def list_time_off(ctx: Context, *, clinician_id: uuid.UUID) -> list[TimeOff]:
    ctx.get(Clinician, clinician_id, "clinician")
    query = select(TimeOff).where(TimeOff.clinician_id == clinician_id)
    return list(ctx.session.scalars(query.order_by(TimeOff.starts_at)))


def add_closure(
    ctx: Context, *, location_id: uuid.UUID, data: PeriodIn, confirmed: bool = False
) -> LocationClosure:
    ctx.get(Location, location_id, "location")
    scope = Scope(location_id=location_id, since=data.starts_at, until=data.ends_at)
    with guard(ctx, scope, confirmed=confirmed):
        closure = LocationClosure(location_id=location_id, **data.model_dump())
        ctx.session.add(closure)
        record_create(ctx, closure, action="closure.create")
    return closure


def list_closures(ctx: Context, *, location_id: uuid.UUID) -> list[LocationClosure]:
    ctx.get(Location, location_id, "location")
    query = select(LocationClosure).where(LocationClosure.location_id == location_id)
    return list(ctx.session.scalars(query.order_by(LocationClosure.starts_at)))


class RuleKind(enum.StrEnum):
    """The path segment naming a clinician's rule (as in /clinicians/{id}/working-hours)."""

    WORKING_HOURS = "working-hours"
    DATE_OVERRIDES = "date-overrides"
    TIME_OFF = "time-off"


_RULE_MODELS: dict[RuleKind, type[WorkingHours] | type[DateOverride] | type[TimeOff]] = {
    RuleKind.WORKING_HOURS: WorkingHours,
    RuleKind.DATE_OVERRIDES: DateOverride,
    RuleKind.TIME_OFF: TimeOff,
}
# The audit name of each kind, the same as its ".create" event (not the table name).
_RULE_ACTIONS = {
    RuleKind.WORKING_HOURS: "working_hours",
    RuleKind.DATE_OVERRIDES: "date_override",
    RuleKind.TIME_OFF: "time_off",
}


def remove_clinician_rule(
    ctx: Context,
    *,
    kind: RuleKind,
    clinician_id: uuid.UUID,
    rule_id: uuid.UUID,
    confirmed: bool = False,
) -> None:
    """Removing weekly hours or an override can strand bookings (guarded as adding time off
    is); removing time off cannot."""
    model = _RULE_MODELS[kind]
    query = select(model).where(model.id == rule_id, model.clinician_id == clinician_id)
    rule = ctx.session.scalar(query)
    if rule is None:
        raise NotFound(kind.value.replace("-", " "))
    scope = Scope(clinician_id=clinician_id)
    if isinstance(rule, DateOverride):
        scope = Scope.around_date(clinician_id, rule.on_date)
    watch = nullcontext() if isinstance(rule, TimeOff) else guard(ctx, scope, confirmed=confirmed)
    with watch:
        delete_audited(ctx, rule, action=f"{_RULE_ACTIONS[kind]}.delete")


def remove_closure(ctx: Context, *, location_id: uuid.UUID, closure_id: uuid.UUID) -> None:
    closure = ctx.session.get(LocationClosure, closure_id)
    if closure is None or closure.location_id != location_id:
        raise NotFound("closure")
    delete_audited(ctx, closure, action="closure.delete")
