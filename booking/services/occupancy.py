"""Occupancy rows: what an appointment or hold keeps busy, and the guard against overlaps.

PostgreSQL's exclusion constraint (migration 0002) refuses overlapping rows outright; on
SQLite :func:`claim` runs the same test itself inside the ``BEGIN IMMEDIATE`` transaction
that serializes every write. Either way a clash surfaces here as ``slot_taken``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from booking.models import (
    SUPERVISION,
    Appointment,
    AppointmentType,
    AuditEvent,
    Hold,
    Occupancy,
    ResourceKind,
)
from booking.services.context import Context
from core.db import lost_race
from core.errors import Conflict
from core.json_rows import insert_from_json, json_text
from scheduler.planning import insert_rows, json_rows, rows_from_json

_START_NAMESPACE = uuid.UUID("6f1c3a52-8e0b-4c8e-9d55-3c2f0e4a7b10")

# No row is longer: a type's minutes are at most a day and each buffer 4 hours
# (schemas/setup.py), and rows_for refuses anything longer. It bounds every overlap read
# from below (see starts_after), so a read does not walk a resource's whole history.
LONGEST_ROW = timedelta(hours=32)


def starts_after(since: datetime) -> datetime:
    """A row overlapping [since, ...) starts after this: it ends after ``since`` and lasts
    at most LONGEST_ROW. With ``starts_at <`` the range's end, the index on (resource_id,
    starts_at) is read over a bounded range instead of every row that started before it."""
    return since - LONGEST_ROW


def overlapping(since: str, until: str, reach: str) -> ColumnElement[bool]:
    """Rows whose range meets [``since``, ``until``): the names are of bind parameters,
    ``reach`` being starts_after(since)."""
    return and_(
        Occupancy.starts_at < bindparam(until),
        Occupancy.starts_at > bindparam(reach),
        Occupancy.ends_at > bindparam(since),
    )


def start_resource(clinician_id: uuid.UUID) -> uuid.UUID:
    """The resource id of a clinician's treatment starts (distinct from the clinician's own)."""
    return uuid.uuid5(_START_NAMESPACE, str(clinician_id))


@dataclass(frozen=True)
class Placement:
    """Where and when: a start, a clinician and (when the type needs one) a room."""

    starts_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None


def session_end(kind: AppointmentType, starts_at: datetime) -> datetime:
    return starts_at + timedelta(minutes=max(kind.clinician_minutes, kind.room_minutes))


def rows_for(
    kind: AppointmentType,
    place: Placement,
    *,
    appointment_id: uuid.UUID | None = None,
    hold: tuple[uuid.UUID, datetime] | None = None,
) -> list[Occupancy]:
    """The occupancy rows a booking of ``kind`` at ``place`` needs, owned by an appointment
    or by a hold (its id and expiry)."""
    hold_id, expires_at = hold if hold else (None, None)
    owner_key = str(appointment_id or hold_id)
    before = timedelta(minutes=kind.buffer_before_minutes)
    after = timedelta(minutes=kind.buffer_after_minutes)
    start = place.starts_at
    supervised = kind.max_starts_per_window is not None
    longest = max(kind.clinician_minutes, kind.room_minutes, kind.start_window_minutes)
    if before + timedelta(minutes=longest) + after > LONGEST_ROW:
        raise ValueError("an occupancy row may last at most LONGEST_ROW")

    def row(resource: ResourceKind, rid: uuid.UUID, end: datetime, key: str) -> Occupancy:
        # The id is set here, not by the column default: with every key known the flush
        # sends one executemany and needs no RETURNING (PostgreSQL: pipelined, one short
        # statement instead of a long multi-row one built per booking).
        return Occupancy(
            id=uuid.uuid4(), resource_kind=resource, resource_id=rid, starts_at=start - before,
            ends_at=end, session_start=start, share_key=key, expires_at=expires_at,
            appointment_id=appointment_id, hold_id=hold_id,
        )  # fmt: skip

    clinician_end = start + timedelta(minutes=kind.clinician_minutes) + after
    rows = [
        row(ResourceKind.CLINICIAN, place.clinician_id, clinician_end,
            SUPERVISION if supervised else owner_key)
    ]  # fmt: skip
    if place.room_id is not None:
        room_end = start + timedelta(minutes=kind.room_minutes) + after
        rows.append(row(ResourceKind.ROOM, place.room_id, room_end, owner_key))
    if kind.max_starts_per_window == 1:
        # One start per window is exactly "these windows may not overlap".
        window_end = start + timedelta(minutes=kind.start_window_minutes)
        window = row(ResourceKind.CLINICIAN_START, start_resource(place.clinician_id),
                     window_end, owner_key)  # fmt: skip
        window.starts_at = start
        rows.append(window)
    return rows


# The guards below run on every booking: each statement is built once per number of rows,
# with parameters (building and hashing a fresh expression cost more than running it).
def _meets(n: int) -> ColumnElement[bool]:
    """Stored rows on the same resource as the ``n``-th row whose range overlaps its range."""
    return and_(
        Occupancy.resource_id == bindparam(f"resource_{n}"),
        overlapping(f"starts_{n}", f"ends_{n}", f"reach_{n}"),
    )


def _params(rows: list[Occupancy]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for n, row in enumerate(rows):
        params[f"resource_{n}"], params[f"share_{n}"] = row.resource_id, row.share_key
        params[f"starts_{n}"], params[f"ends_{n}"] = row.starts_at, row.ends_at
        params[f"reach_{n}"] = starts_after(row.starts_at)
    return params


@lru_cache(maxsize=16)
def _purge(count: int) -> Delete:
    meets = exists().where(Occupancy.hold_id == Hold.id, or_(*map(_meets, range(count))))
    # Expired holds are few (found by the index on expires_at); each is then checked.
    return delete(Hold).where(Hold.expires_at <= bindparam("now"), meets)


def expired_holds_around() -> Delete:
    """The expired holds with a row on one of the resources ``ids`` overlapping
    [``since``, ``until``) (``reach``: starts_after(since)): what a placement's busy read
    clears on PostgreSQL, in its own statement (see :func:`cleared`)."""
    stale = select(Occupancy.hold_id).where(
        Occupancy.resource_id.in_(bindparam("ids", expanding=True)),
        overlapping("since", "until", "reach"),
        Occupancy.expires_at <= bindparam("now"),
    )
    return delete(Hold).where(Hold.id.in_(stale))


_CLEARED = "expired_holds_cleared"  # session.info: (transaction, resources, since, until)


def cleared(
    ctx: Context, *, clinicians: list[uuid.UUID], rooms: list[uuid.UUID],
    since: datetime, until: datetime,
) -> None:  # fmt: skip
    """Note that this transaction removed the expired holds on ``clinicians`` and ``rooms``
    over [since, until), so a claim lying there need not look for them again. A clinician's
    start-window rows count as cleared with the clinician: a hold whose window meets one
    has its own clinician row there too."""
    resources = {*clinicians, *rooms, *map(start_resource, clinicians)}
    transaction = _innermost(ctx)
    notes = [note for note in ctx.session.info.get(_CLEARED, ()) if note[0] is transaction]
    ctx.session.info[_CLEARED] = [*notes, (transaction, resources, since, until)]


def _innermost(ctx: Context) -> object:
    # A savepoint rolled back takes its deletions with it: a note holds for its own level.
    return ctx.session.get_nested_transaction() or ctx.session.get_transaction()


def _already_cleared(ctx: Context, rows: list[Occupancy]) -> bool:
    transaction = _innermost(ctx)
    return any(
        noted is transaction
        and all(r.resource_id in ids and since <= r.starts_at and r.ends_at <= until for r in rows)
        for noted, ids, since, until in ctx.session.info.get(_CLEARED, ())
    )


@lru_cache(maxsize=16)
def _clash(count: int) -> Select[uuid.UUID]:
    clash = or_(*(
        and_(_meets(n), Occupancy.share_key != bindparam(f"share_{n}")) for n in range(count)
    ))  # fmt: skip
    return select(Occupancy.id).where(clash).limit(1)


def purge_expired_holds(ctx: Context, rows: list[Occupancy]) -> None:
    """Expired holds stop blocking at once; the first booking that meets one removes it
    (unless the placement that chose ``rows`` removed them already)."""
    if _already_cleared(ctx, rows):
        return
    # Core on the session's connection: no session sync, as this unit of work never loads
    # a hold it has not already dealt with.
    ctx.session.connection().execute(_purge(len(rows)), {**_params(rows), "now": ctx.now})


def claim(
    ctx: Context, rows: list[Occupancy], *, audit: dict[str, Any] | None = None,
    new_owner: Appointment | None = None, notices: Sequence[dict[str, Any]] = (),
) -> None:  # fmt: skip
    """Insert the rows; an overlap lost to a concurrent booking becomes a 409. ``audit``
    (see audit.event_values) is the owner's event, written with the rows. ``new_owner``,
    the appointment the rows belong to when it is not in the session yet, is added to it;
    ``notices`` are its notice rows (scheduler.planning.fresh_rows), written with it.

    The checks below touch only occupancy and holds, so they do not autoflush what the
    caller added. The rows and the event are written by Core, not the unit of work (the
    ORM's bookkeeping per row cost more than the statements): on PostgreSQL in one
    statement, the new appointment, the rows and its notices in a data-modifying WITH and
    the event as the main INSERT (foreign keys are checked at the statement's end)."""
    with ctx.session.no_autoflush:
        purge_expired_holds(ctx, rows)
        sqlite = ctx.session.get_bind().dialect.name == "sqlite"
        if sqlite and _clashes(ctx, rows):
            raise Conflict("slot_taken", "that time is already taken; choose another")
    for row in rows:
        if row.id is None:  # the column's default, as the unit of work would apply it
            row.id = uuid.uuid4()
    values = [{key: getattr(row, key) for key in _COLUMNS} for row in rows]
    together = audit is not None and not sqlite
    if new_owner is not None and not together:
        ctx.session.add(new_owner)
    try:
        ctx.session.flush()  # the owner (its rows refer to it) and whatever else is pending
        connection = ctx.session.connection()
        if together and audit is not None:  # (audit: for the type checker)
            statement = _claim_together(
                owned=new_owner is not None, notice_columns=tuple(notices[0]) if notices else ()
            )
            connection.exec_driver_sql(
                statement, _together_values(values, audit, new_owner, notices)
            )
        else:
            connection.execute(insert(Occupancy), values)
            if audit is not None:
                connection.execute(insert(AuditEvent), [audit])
            insert_rows(connection, list(notices))
    except DBAPIError as exc:
        lost = lost_race(exc) or (
            isinstance(exc, IntegrityError) and "ex_occupancy_no_overlap" in str(exc.orig)
        )
        if lost:
            raise Conflict("slot_taken", "that time was just taken; choose another") from exc
        raise
    if new_owner is not None and together:
        # Stored as given: the session takes it as loaded, with nothing left to write.
        make_transient_to_detached(new_owner)
        ctx.session.add(new_owner)


def _together_values(
    values: list[dict[str, Any]], audit: dict[str, Any], owner: Appointment | None,
    notices: Sequence[dict[str, Any]],
) -> dict[str, str]:  # fmt: skip
    """The parameters of :func:`_claim_together`: each table's rows as one JSON text."""
    parameters = {"claimed_rows": json_text(values), "event_row": json_text([audit])}
    if owner is not None:
        parameters["owner_row"] = json_text([_owner_values(owner)])
    if notices:
        parameters |= json_rows(list(notices))
    return parameters


def _owner_values(owner: Appointment) -> dict[str, Any]:
    """The new appointment's columns. A column left unset is stored, and known to the
    session, as NULL; one with a default must be set."""
    state = owner.__dict__
    for key, has_default in _OWNER_UNSET:
        if key not in state:
            if has_default:
                raise ValueError(f"set {key}: the claim does not apply defaults")
            setattr(owner, key, None)
    return {key: state[key] for key in _OWNER_COLUMNS}


_COLUMNS = (
    "id", "resource_kind", "resource_id", "starts_at", "ends_at", "session_start",
    "share_key", "expires_at", "appointment_id", "hold_id",
)  # fmt: skip
_EVENT_COLUMNS = tuple(column.key for column in AuditEvent.__table__.columns if column.key != "seq")
_OWNER_COLUMNS = tuple(column.key for column in Appointment.__table__.columns)
_OWNER_UNSET = tuple((c.key, c.default is not None) for c in Appointment.__table__.columns)


@lru_cache(maxsize=8)
def _claim_together(*, owned: bool, notice_columns: tuple[str, ...]) -> str:
    """PostgreSQL: the occupancy rows and the owner's audit event in one statement, the new
    appointment that owns them first when ``owned``, and its notices when there are
    ``notice_columns``. Each table's rows go as one JSON parameter (core.json_rows): one
    parameter per value cost a booking more than the statement itself. Compiled to the
    driver's SQL once: executing it builds, compiles and hashes no expression."""
    ctes = [insert_from_json(Occupancy, _COLUMNS, "claimed_rows").cte("claimed")]
    if owned:
        ctes.insert(0, insert_from_json(Appointment, _OWNER_COLUMNS, "owner_row").cte("owner"))
    if notice_columns:
        ctes.append(rows_from_json(notice_columns).cte("planned"))
    event = insert_from_json(AuditEvent, _EVENT_COLUMNS, "event_row")
    return str(event.add_cte(*ctes).compile(dialect=_PSYCOPG))


_PSYCOPG = psycopg_dialect()  # type: ignore[no-untyped-call]  # (untyped in SQLAlchemy)


def _clashes(ctx: Context, rows: list[Occupancy]) -> bool:
    """SQLite's stand-in for PostgreSQL's exclusion constraint, word for word: the same
    resource, overlapping ranges, a different share key. BEGIN IMMEDIATE makes it atomic
    with the insert, so no write path can skip the guard, whatever it checked before."""
    found = ctx.session.connection().execute(_clash(len(rows)), _params(rows)).first()
    return found is not None


def release(ctx: Context, *, appointment_id: uuid.UUID) -> None:
    ctx.session.execute(delete(Occupancy).where(Occupancy.appointment_id == appointment_id))
    ctx.session.flush()
