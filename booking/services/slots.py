"""Feeds the pure availability engine from the database (columns, not entities: a hot read)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, or_, select

from booking import availability as av
from booking.models import (
    SUPERVISION,
    AppointmentType,
    Clinician,
    DateOverride,
    Location,
    LocationClosure,
    Occupancy,
    Room,
    TimeOff,
    WorkingHours,
    clinician_appointment_types,
)
from booking.services.context import Context


def rules_of(kind: AppointmentType, *, staff: bool) -> av.TypeRules:
    rules = av.TypeRules(
        clinician_minutes=kind.clinician_minutes,
        room_minutes=kind.room_minutes,
        room_kind=kind.room_kind.value if kind.room_kind else None,
        buffer_before_minutes=kind.buffer_before_minutes,
        buffer_after_minutes=kind.buffer_after_minutes,
        min_notice_minutes=kind.min_notice_minutes,
        horizon_days=kind.horizon_days,
        slot_step_minutes=kind.slot_step_minutes,
        max_starts_per_window=kind.max_starts_per_window,
        start_window_minutes=kind.start_window_minutes,
    )
    # Minimum notice protects online booking; the front desk may fill a gap this afternoon.
    return replace(rules, min_notice_minutes=0) if staff else rules


def qualified_clinicians(
    ctx: Context, *, type_id: uuid.UUID, only: uuid.UUID | None = None
) -> list[uuid.UUID]:
    query = (
        select(Clinician.id)
        .join(clinician_appointment_types)
        .where(clinician_appointment_types.c.appointment_type_id == type_id, Clinician.active)
        .order_by(Clinician.name, Clinician.id)
    )
    if only is not None:
        query = query.where(Clinician.id == only)
    return list(ctx.session.scalars(query))


def read_availability_inputs(
    ctx: Context,
    *,
    location: Location,
    kind: AppointmentType,
    first_day: date,
    last_day: date,
    staff: bool,
    clinician_id: uuid.UUID | None = None,
    ignore_appointment: uuid.UUID | None = None,
    busy_between: tuple[datetime, datetime] | None = None,
) -> av.AvailabilityQuery:
    """Everything the engine needs for ``first_day``..``last_day`` (local dates) at one location.

    ``ignore_appointment`` leaves one appointment's own rows out, so it can be moved.
    ``busy_between`` narrows the busy periods, time off and closures read to what can touch
    one booking (the days' hours are still read whole).
    """
    zone = ZoneInfo(location.timezone)
    since, until = busy_between or _around(first_day, last_day, zone)
    clinicians = qualified_clinicians(ctx, type_id=kind.id, only=clinician_id)
    rooms = _rooms(ctx, location.id)
    room_ids = [room.id for room in rooms]
    clinician_busy, room_busy = _busy(ctx, clinicians, room_ids, since, until, ignore_appointment)
    return av.AvailabilityQuery(
        zone=zone,
        rules=rules_of(kind, staff=staff),
        clinician_ids=clinicians,
        rooms=rooms,
        weekly_hours=_weekly(ctx, location.id, clinicians),
        overrides=_overrides(ctx, location.id, clinicians, first_day, last_day),
        time_off=_time_off(ctx, clinicians, since, until),
        closures=_closures(ctx, location.id, since, until),
        clinician_busy=clinician_busy,
        room_busy=room_busy,
        now=ctx.now,
        first_day=first_day,
        last_day=last_day,
    )


def _around(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local days as instants, a day wider either side: a session that starts late on
    the day before can still be running, and a DST-shifted bound can cross midnight."""
    since = datetime.combine(first_day, time(), zone).astimezone(UTC) - timedelta(days=1)
    until = datetime.combine(last_day, time(), zone).astimezone(UTC) + timedelta(days=2)
    return since, until


def _rooms(ctx: Context, location_id: uuid.UUID) -> list[av.Room]:
    rows = ctx.session.execute(
        select(Room.id, Room.kind)
        .where(Room.location_id == location_id, Room.active)
        .order_by(Room.name, Room.id)
    )
    return [av.Room(id=room_id, kind=kind.value) for room_id, kind in rows]


def _weekly(
    ctx: Context, location_id: uuid.UUID, clinicians: list[uuid.UUID]
) -> list[av.WeeklyHours]:
    rows = ctx.session.execute(
        select(
            WorkingHours.clinician_id, WorkingHours.weekday, WorkingHours.start_time,
            WorkingHours.end_time, WorkingHours.effective_from, WorkingHours.effective_until,
        ).where(WorkingHours.location_id == location_id, WorkingHours.clinician_id.in_(clinicians))
    )  # fmt: skip
    return [av.WeeklyHours(*row) for row in rows]


def _overrides(
    ctx: Context, location_id: uuid.UUID, clinicians: list[uuid.UUID], first: date, last: date
) -> list[av.DayOverride]:
    # Overrides at any location replace the day: a clinician elsewhere is not here.
    rows = ctx.session.execute(
        select(
            DateOverride.clinician_id, DateOverride.location_id, DateOverride.on_date,
            DateOverride.start_time, DateOverride.end_time,
        ).where(
            DateOverride.clinician_id.in_(clinicians),
            DateOverride.on_date.between(first, last),
        )
    )  # fmt: skip
    overrides = []
    for clinician, where, on_date, start, end in rows:
        if where != location_id:
            start = end = None  # working at another location that day: off here
        overrides.append(av.DayOverride(clinician, on_date, start, end))
    return overrides


def _time_off(
    ctx: Context, clinicians: list[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, list[av.Period]]:
    rows = ctx.session.execute(
        select(TimeOff.clinician_id, TimeOff.starts_at, TimeOff.ends_at).where(
            TimeOff.clinician_id.in_(clinicians),
            TimeOff.starts_at < until,
            TimeOff.ends_at > since,
        )
    )
    periods: dict[uuid.UUID, list[av.Period]] = {}
    for clinician, start, end in rows:
        periods.setdefault(clinician, []).append(av.Period(start, end))
    return periods


def _closures(
    ctx: Context, location_id: uuid.UUID, since: datetime, until: datetime
) -> list[av.Period]:
    rows = ctx.session.execute(
        select(LocationClosure.starts_at, LocationClosure.ends_at).where(
            LocationClosure.location_id == location_id,
            LocationClosure.starts_at < until,
            LocationClosure.ends_at > since,
        )
    )
    return [av.Period(start, end) for start, end in rows]


def _busy(
    ctx: Context,
    clinicians: list[uuid.UUID],
    rooms: list[uuid.UUID],
    since: datetime,
    until: datetime,
    ignore_appointment: uuid.UUID | None,
) -> tuple[list[av.ClinicianBusy], list[av.RoomBusy]]:
    # The id comes back as text and is swapped for the caller's own UUID object, so that the
    # engine's many lookups by id are identity hits rather than Python-level UUID comparisons.
    query = select(
        cast(Occupancy.resource_id, String), Occupancy.starts_at, Occupancy.ends_at,
        Occupancy.session_start, Occupancy.share_key == SUPERVISION,
    ).where(
        Occupancy.resource_id.in_([*clinicians, *rooms]),
        Occupancy.starts_at < until,
        Occupancy.ends_at > since,
        or_(Occupancy.expires_at.is_(None), Occupancy.expires_at > ctx.now),
    )  # fmt: skip
    if ignore_appointment is not None:
        query = query.where(
            or_(Occupancy.appointment_id.is_(None), Occupancy.appointment_id != ignore_appointment)
        )
    known = {
        text: (resource, resource in rooms)
        for resource in (*clinicians, *rooms)
        for text in (str(resource), resource.hex)  # PostgreSQL's text form, SQLite's
    }
    clinician_busy: list[av.ClinicianBusy] = []
    room_busy: list[av.RoomBusy] = []
    for text, start, end, session_start, supervised in ctx.session.execute(query):
        resource, is_room = known[text]
        period = av.Period(start, end)
        if is_room:
            room_busy.append(av.RoomBusy(resource, period))
        else:
            mode: av.ClinicianMode = "supervision" if supervised else "exclusive"
            clinician_busy.append(av.ClinicianBusy(resource, period, mode, session_start))
    return clinician_busy, room_busy


def load_roster(
    ctx: Context,
    *,
    location: Location,
    clinicians: list[uuid.UUID],
    since: datetime,
    until: datetime,
) -> av.Roster:
    """When ``clinicians`` can work at ``location`` over [since, until), read as
    :func:`read_availability_inputs` reads it, for checking bookings already made."""
    zone = ZoneInfo(location.timezone)
    first_day = since.astimezone(zone).date() - timedelta(days=1)
    last_day = until.astimezone(zone).date()
    return av.Roster(
        zone=zone,
        weekly_hours=_weekly(ctx, location.id, clinicians),
        overrides=_overrides(ctx, location.id, clinicians, first_day, last_day),
        time_off=_time_off(ctx, clinicians, since, until),
        closures=_closures(ctx, location.id, since, until),
        first_day=first_day,
        last_day=last_day,
    )


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()
