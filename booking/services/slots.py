"""Feeds the pure availability engine from the database (columns, not entities: a hot read)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
    type_coerce,
)

from booking import availability as av
from booking.availability import plan as av_plan
from booking.models import (
    SUPERVISION,
    AppointmentType,
    Location,
    Occupancy,
)
from booking.services import occupancy, reference
from booking.services.context import Context
from core.types import parse_sqlite_utc


def rules_of(kind: AppointmentType, *, min_notice: bool) -> av.TypeRules:
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
    return rules if min_notice else replace(rules, min_notice_minutes=0)


def qualified_clinicians(
    ctx: Context, *, type_id: uuid.UUID, only: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Active clinicians offering the type, by name (``only``: that one, if qualified)."""
    found = reference.current(ctx).qualified.get(type_id, [])
    return [c for c in found if c == only] if only is not None else list(found)


def read_availability_inputs(
    ctx: Context,
    *,
    location: Location,
    kind: AppointmentType,
    first_day: date,
    last_day: date,
    clinician_id: uuid.UUID | None = None,
    ignore_appointment: uuid.UUID | None = None,
    busy_between: tuple[datetime, datetime] | None = None,
    room_id: uuid.UUID | None = None,
    clear_expired_holds: bool = False,
) -> av.AvailabilityQuery:
    """Everything the engine needs for ``first_day``..``last_day`` (local dates) at one location.

    ``ignore_appointment`` leaves one appointment's own rows out, so it can be moved.
    ``busy_between`` narrows the busy periods, time off and closures read to what can touch
    one booking (the days' hours are still read whole); ``room_id`` narrows the rooms' busy
    periods read to that room's. ``clear_expired_holds`` (a placement about to claim what
    it finds) removes the expired holds among the busy periods read, on PostgreSQL in the
    read's own statement, so the claim need not look for them again.
    """
    zone = ZoneInfo(location.timezone)
    since, until = busy_between or _around(first_day, last_day, zone)
    ctx.session.flush()  # the busy read below is Core, which does not autoflush
    setup = reference.current(ctx)
    clinicians = qualified_clinicians(ctx, type_id=kind.id, only=clinician_id)
    rooms = list(setup.rooms.get(location.id, ()))
    rules = rules_of(kind, min_notice=not ctx.actor.acts_for_clinic)
    # Only rooms the type can use are ever checked for being busy (a wrong room is refused
    # first), and a caller placing one booking in a named room checks that room alone.
    usable = [r.id for r in rooms if rules.room_minutes and rules.room_kind in (None, r.kind)]
    busy_rooms = [room_id] if room_id in usable else usable
    clearing = clear_expired_holds and ctx.session.get_bind().dialect.name == "postgresql"
    busy = _busy(ctx, clinicians, busy_rooms, since, until, ignore_appointment, clearing)
    if clearing:
        occupancy.cleared(ctx, clinicians=clinicians, rooms=busy_rooms, since=since, until=until)
    return av.AvailabilityQuery(
        zone=zone,
        rules=rules,
        clinician_ids=clinicians,
        rooms=rooms,
        weekly_hours=setup.weekly_hours(location.id, clinicians),
        overrides=setup.day_overrides(location.id, clinicians, first_day, last_day),
        time_off=setup.clinician_time_off(clinicians, since, until),
        closures=setup.location_closures(location.id, since, until),
        clinician_busy=[],
        room_busy=[],
        busy_spans=busy,
        now=ctx.now,
        first_day=first_day,
        last_day=last_day,
    )


def _core(ctx: Context) -> Connection:
    """The session's own connection and transaction: Core rows skip the ORM's per-row work
    (a third of the busy read on SQLite), and these reads want columns, not entities."""
    return ctx.session.connection()


def _around(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local days as instants, a day wider either side: a session that starts late on
    the day before can still be running, and a DST-shifted bound can cross midnight."""
    since = datetime.combine(first_day, time(), zone).astimezone(UTC) - timedelta(days=1)
    until = datetime.combine(last_day, time(), zone).astimezone(UTC) + timedelta(days=2)
    return since, until


def _busy(
    ctx: Context,
    clinicians: list[uuid.UUID],
    rooms: list[uuid.UUID],
    since: datetime,
    until: datetime,
    ignore_appointment: uuid.UUID | None,
    clearing: bool,
) -> av.BusySpans:
    """The busy periods as the engine's microsecond spans, by resource: the hot read (a row
    per booking and chair over the range), so each row costs a tuple and no objects."""
    sqlite = ctx.session.get_bind().dialect.name == "sqlite"
    query = _busy_query(sqlite=sqlite, ignoring=ignore_appointment is not None, clearing=clearing)
    params = {"ids": [*clinicians, *rooms], "until": until, "since": since, "now": ctx.now,
              "reach": occupancy.starts_after(since)}  # fmt: skip
    if ignore_appointment is not None:
        params["ignore"] = ignore_appointment
    exclusive: dict[uuid.UUID, list[tuple[int, int]]] = {c: [] for c in clinicians}
    supervision: dict[uuid.UUID, list[tuple[int, int, int]]] = {c: [] for c in clinicians}
    room_busy: dict[uuid.UUID, list[tuple[int, int]]] = {room: [] for room in rooms}
    # Each row finds its lists by the id's text (a str hashes in C; a UUID does not).
    lists: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int, int]] | None]] = {}
    for resource in clinicians:
        for text in (str(resource), resource.hex):  # PostgreSQL's text form, SQLite's
            lists[text] = (exclusive[resource], supervision[resource])
    for resource in rooms:
        for text in (str(resource), resource.hex):
            lists[text] = (room_busy[resource], None)
    micros = _sqlite_micros if sqlite else int
    # The driver's own rows, in one fetchall: every column is text, an integer or a boolean
    # (SQLite: 0 or 1) that needs no conversion, so building a Row per busy period (half
    # of this read's Python time) buys nothing.
    result = _core(ctx).execute(query, params)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    for text, start, end, session_start, supervised in rows:
        plain, shared = lists[text]
        if supervised and shared is not None:
            shared.append((micros(start), micros(end), micros(session_start)))
        else:
            plain.append((micros(start), micros(end)))
    return av.BusySpans(exclusive, supervision, room_busy)


@lru_cache(maxsize=8)
def _busy_query(
    *, sqlite: bool, ignoring: bool, clearing: bool
) -> Select[tuple[str, Any, Any, Any, bool]]:
    """The busy read, built once per dialect and shape (building the expression on every
    request cost more than the engine's look at the rows). ``clearing`` (PostgreSQL) adds
    the deletion of the expired holds there as a data-modifying WITH: it reads with the
    same snapshot, where expired rows are left out anyway, and the next statement sees them
    gone."""
    at = _as_text if sqlite else _as_micros
    query = select(
        cast(Occupancy.resource_id, String), at(Occupancy.starts_at), at(Occupancy.ends_at),
        at(Occupancy.session_start), Occupancy.share_key == SUPERVISION,
    ).where(
        Occupancy.resource_id.in_(bindparam("ids", expanding=True)),
        occupancy.overlapping("since", "until", "reach"),
        or_(Occupancy.expires_at.is_(None), Occupancy.expires_at > bindparam("now")),
    )  # fmt: skip
    if ignoring:
        query = query.where(
            or_(Occupancy.appointment_id.is_(None), Occupancy.appointment_id != bindparam("ignore"))
        )
    if clearing:
        query = query.add_cte(occupancy.expired_holds_around().cte("cleared"))
    return query


def _as_micros(column: Any) -> Any:
    """PostgreSQL: the instant as integer microseconds since the epoch, computed in SQL."""
    return cast(func.extract("epoch", column) * 1_000_000, BigInteger)


def _as_text(column: Any) -> Any:
    """SQLite: the stored text itself, turned into microseconds by :func:`_sqlite_micros`."""
    return type_coerce(column, String)


@lru_cache(maxsize=16_384)
def _sqlite_micros(text: str) -> int:
    # Busy periods share a few hundred distinct instants, so most rows are cache hits.
    return av_plan.micros(parse_sqlite_utc(text))


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
    setup = reference.current(ctx)
    return av.Roster(
        zone=zone,
        weekly_hours=setup.weekly_hours(location.id, clinicians),
        overrides=setup.day_overrides(location.id, clinicians, first_day, last_day),
        time_off=setup.clinician_time_off(clinicians, since, until),
        closures=setup.location_closures(location.id, since, until),
        first_day=first_day,
        last_day=last_day,
    )


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()
