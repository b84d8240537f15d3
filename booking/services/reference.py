"""The clinic's setup read once per setup version and kept in this process.

Every flush that touches a setup table bumps ``setup_version`` in the same transaction (the
listener below), so a request reads one integer to know whether this process's copy is
current; several processes (``clinic serve --workers N``) stay correct without talking to
each other. A session that changed the setup itself never uses or fills the copy: it would
see its own uncommitted changes, which may still roll back.

Entities (types, locations) are kept detached and merged into the caller's session without
SQL, so the rest of a use case sees ordinary persistent objects.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import Pool

from booking import availability as av
from booking.models import (
    AppointmentType,
    Clinician,
    DateOverride,
    Location,
    LocationClosure,
    Room,
    SetupVersion,
    TimeOff,
    WorkingHours,
    clinician_appointment_types,
)
from booking.services.context import Context
from core.db import Base

SETUP_MODELS = (
    AppointmentType, Clinician, DateOverride, Location, LocationClosure, Room, TimeOff,
    WorkingHours,
)  # fmt: skip
_CHANGED = "setup_changed"  # session.info: this transaction bumped the version
_VERSION = "setup_version"  # session.info: (transaction, version) read in it
M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Reference:
    """The setup as the availability engine and placement need it, indexed by id."""

    version: int
    types: dict[uuid.UUID, AppointmentType]  # detached copies
    locations: dict[uuid.UUID, Location]  # detached copies
    active_locations: list[uuid.UUID]
    qualified: dict[uuid.UUID, list[uuid.UUID]]  # type -> active clinicians, by name and id
    clinician_names: dict[uuid.UUID, str]  # as patients read them (notices)
    rooms: dict[uuid.UUID, list[av.Room]]  # location -> active rooms, by name and id
    weekly: dict[uuid.UUID, list[av.WeeklyHours]]  # location -> its rules
    overrides: dict[uuid.UUID, list[tuple[uuid.UUID, av.DayOverride]]]  # clinician -> (where, o)
    time_off: dict[uuid.UUID, list[av.Period]]  # clinician -> periods
    closures: dict[uuid.UUID, list[av.Period]]  # location -> periods

    def weekly_hours(
        self, location: uuid.UUID, clinicians: list[uuid.UUID]
    ) -> list[av.WeeklyHours]:
        wanted = set(clinicians)
        return [rule for rule in self.weekly.get(location, ()) if rule.clinician_id in wanted]

    def day_overrides(
        self, location: uuid.UUID, clinicians: list[uuid.UUID], first: date, last: date
    ) -> list[av.DayOverride]:
        # Overrides at any location replace the day: a clinician elsewhere is not here.
        found = []
        for clinician in dict.fromkeys(clinicians):
            for where, row in self.overrides.get(clinician, ()):
                if first <= row.on_date <= last:
                    off = where != location
                    found.append(av.DayOverride(clinician, row.on_date, *_hours(row, off=off)))
        return found

    def clinician_time_off(
        self, clinicians: list[uuid.UUID], since: datetime, until: datetime
    ) -> dict[uuid.UUID, list[av.Period]]:
        periods = {c: _within(self.time_off.get(c, ()), since, until) for c in clinicians}
        return {clinician: found for clinician, found in periods.items() if found}

    def location_closures(
        self, location: uuid.UUID, since: datetime, until: datetime
    ) -> list[av.Period]:
        return _within(self.closures.get(location, ()), since, until)


def _hours(row: av.DayOverride, *, off: bool) -> tuple[Any, Any]:
    return (None, None) if off else (row.start, row.end)


def _within(periods: Any, since: datetime, until: datetime) -> list[av.Period]:
    return [p for p in periods if p.starts_at < until and p.ends_at > since]


# --------------------------------------------------------------------------- the cache

_lock = threading.Lock()
_cached: dict[Pool, Reference] = {}  # per database (a pool is shared by its engine's options)


def current(ctx: Context) -> Reference:
    """This transaction's view of the setup: the process's copy when it is current."""
    session = ctx.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending setup changes must bump the version (and mark the session)
    connection = session.connection()
    version = None if session.info.get(_CHANGED) else _version(session, connection)
    if version is None:  # this transaction's own changes, or no counter: read, never keep
        return _load(connection, version=-1)
    pool = connection.engine.pool
    with _lock:
        found = _cached.get(pool)
    if found is not None and found.version == version:
        return found
    # Read after the version: the rows are at least as new as the key they are kept under.
    loaded = _load(connection, version=version)
    with _lock:
        kept = _cached.get(pool)
        if kept is None or kept.version <= version:
            _cached[pool] = loaded
    return loaded


def _version(session: Session, connection: Connection) -> int | None:
    transaction = session.get_transaction()
    memo = session.info.get(_VERSION)
    if memo is not None and memo[0] is transaction:
        return memo[1]  # type: ignore[no-any-return]
    version = connection.execute(select(SetupVersion.version)).scalar()
    session.info[_VERSION] = (transaction, version)
    return version


# The version as a column of another query (the sign-in lookup on every staff request).
VERSION_COLUMN = select(SetupVersion.version).scalar_subquery().label("setup_version")


def read_again(session: Session) -> None:
    """Forget the version this transaction read: the next :func:`current` reads it anew."""
    session.info.pop(_VERSION, None)


def remember_version(session: Session, version: int | None) -> None:
    """Keep ``version``, read by a statement of the session's current transaction (as
    ``VERSION_COLUMN``), as that transaction's version unless it has read one already."""
    transaction = session.get_transaction()
    memo = session.info.get(_VERSION)
    if transaction is not None and (memo is None or memo[0] is not transaction):
        session.info[_VERSION] = (transaction, version)


def merged(ctx: Context, model: type[M], cached: M | None, id_: uuid.UUID) -> M | None:
    """``cached`` as an object of the caller's session, without SQL (or the session's own
    copy when it already has one, which may hold changes of its own)."""
    own = ctx.session.identity_map.get(identity_key(model, id_))
    if own is not None:
        return own
    if cached is None:
        return None
    return ctx.session.merge(cached, load=False)


def appointment_type(ctx: Context, type_id: uuid.UUID) -> AppointmentType | None:
    return merged(ctx, AppointmentType, current(ctx).types.get(type_id), type_id)


def location(ctx: Context, location_id: uuid.UUID) -> Location | None:
    return merged(ctx, Location, current(ctx).locations.get(location_id), location_id)


# --------------------------------------------------------------------------- loading


def _detached(entity: M) -> M:
    """A copy of ``entity``'s columns that belongs to no session."""
    columns = {attr.key: getattr(entity, attr.key) for attr in entity.__mapper__.column_attrs}
    copy = type(entity)(**columns)
    make_transient_to_detached(copy)
    return copy


def _load(connection: Connection, *, version: int) -> Reference:
    with Session(bind=connection, autoflush=False) as reader:  # the caller's transaction
        types = {t.id: _detached(t) for t in reader.scalars(select(AppointmentType))}
        places = list(reader.scalars(select(Location).order_by(Location.name, Location.id)))
    return Reference(
        version=version,
        types=types,
        locations={place.id: _detached(place) for place in places},
        active_locations=[place.id for place in places if place.active],
        qualified=_qualified(connection),
        clinician_names={
            id_: display or name
            for id_, display, name in connection.execute(
                select(Clinician.id, Clinician.display_name, Clinician.name)
            )
        },
        rooms=_rooms(connection),
        weekly=_weekly(connection),
        overrides=_overrides(connection),
        time_off=_grouped(connection, TimeOff.clinician_id, TimeOff.starts_at, TimeOff.ends_at),
        closures=_grouped(
            connection, LocationClosure.location_id, LocationClosure.starts_at,
            LocationClosure.ends_at,
        ),
    )  # fmt: skip


def _qualified(connection: Connection) -> dict[uuid.UUID, list[uuid.UUID]]:
    link = clinician_appointment_types.c
    rows = connection.execute(
        select(link.appointment_type_id, Clinician.id)
        .join(Clinician, Clinician.id == link.clinician_id)
        .where(Clinician.active)
        .order_by(Clinician.name, Clinician.id)
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for type_id, clinician in rows:
        found.setdefault(type_id, []).append(clinician)
    return found


def _rooms(connection: Connection) -> dict[uuid.UUID, list[av.Room]]:
    rows = connection.execute(
        select(Room.location_id, Room.id, Room.kind).where(Room.active).order_by(Room.name, Room.id)
    )
    found: dict[uuid.UUID, list[av.Room]] = {}
    for location_id, room_id, kind in rows:
        found.setdefault(location_id, []).append(av.Room(id=room_id, kind=kind.value))
    return found


def _weekly(connection: Connection) -> dict[uuid.UUID, list[av.WeeklyHours]]:
    rows = connection.execute(
        select(
            WorkingHours.location_id, WorkingHours.clinician_id, WorkingHours.weekday,
            WorkingHours.start_time, WorkingHours.end_time, WorkingHours.effective_from,
            WorkingHours.effective_until,
        )
    )  # fmt: skip
    found: dict[uuid.UUID, list[av.WeeklyHours]] = {}
    for location_id, clinician, weekday, start, end, since, until in rows:
        rule = av.WeeklyHours(clinician, weekday, start, end, since, until)
        found.setdefault(location_id, []).append(rule)
    return found


def _overrides(connection: Connection) -> dict[uuid.UUID, list[tuple[uuid.UUID, av.DayOverride]]]:
    rows = connection.execute(
        select(
            DateOverride.clinician_id, DateOverride.location_id, DateOverride.on_date,
            DateOverride.start_time, DateOverride.end_time,
        )
    )  # fmt: skip
    found: dict[uuid.UUID, list[tuple[uuid.UUID, av.DayOverride]]] = {}
    for clinician, where, on_date, start, end in rows:
        row = av.DayOverride(clinician, on_date, start, end)
        found.setdefault(clinician, []).append((where, row))
    return found


def _grouped(
    connection: Connection, key: Any, start: Any, end: Any
) -> dict[uuid.UUID, list[av.Period]]:
    found: dict[uuid.UUID, list[av.Period]] = {}
    for owner, starts_at, ends_at in connection.execute(select(key, start, end)):
        found.setdefault(owner, []).append(av.Period(starts_at, ends_at))
    return found


# --------------------------------------------------------------------------- the version


@event.listens_for(Session, "before_flush")
def _bump_on_setup_change(session: Session, _context: Any, _instances: Any) -> None:
    """Once per transaction that changes the setup: the bump commits or rolls back with it."""
    if session.info.get(_CHANGED):
        return
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(entity, SETUP_MODELS) for entity in touched):
        return
    bump = update(SetupVersion).values(version=SetupVersion.version + 1)
    session.connection().execute(bump)
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: commit or rollback
        session.info.pop(_CHANGED, None)
        session.info.pop(_VERSION, None)
