"""A feed's appointments: read in one query, each written once as VEVENT text and kept.

A fragment is keyed by the row exactly as read (times, status, sequence, updated_at, room,
type, patient's name) within the setup version and feed options it was written under, so
any change to what an event shows reads as a new key, and an unchanged event costs one
dictionary lookup.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, select

from booking.feeds import ics
from booking.feeds.shown import Options, title
from booking.models import Appointment, AppointmentStatus, AppointmentType, Location, Patient, Room
from booking.services.context import Context
from notifications.privacy import redact

A, P = Appointment, Patient
_COLUMNS = (
    A.id, A.starts_at, A.ends_at, A.status, A.sequence, A.updated_at, A.room_id,
    A.appointment_type_id, A.location_id, P.given_name, P.family_name,
)  # fmt: skip
Names = tuple[dict[uuid.UUID, str], dict[uuid.UUID, str], dict[uuid.UUID, tuple[str, str]]]


class Fragments:
    """Per process, by (setup version, options): a request takes its setup's dictionary
    once, so a text can only ever be kept under the setup it was written for, even by a
    request still writing after a clear. Bounded: past ``size`` texts it starts afresh."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._texts: dict[tuple[int, Options], dict[Row[Any], tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def of(self, setup: int, options: Options) -> dict[Row[Any], tuple[str, str]]:
        with self._lock:
            # Every setup change adds a dictionary (an old one is never read again).
            kept = len(self._texts) + sum(len(texts) for texts in self._texts.values())
            if kept > self.size:
                self._texts.clear()
            return self._texts.setdefault((setup, options), {})

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()


FRAGMENTS = Fragments()


def _rows(ctx: Context, where: Sequence[ColumnElement[bool]]) -> list[Row[Any]]:
    query = (
        select(*_COLUMNS).join(P, P.id == A.patient_id).where(*where).order_by(A.starts_at, A.id)
    )
    # Core, not ORM: the ORM's row processing would triple the read of a large feed.
    return list(ctx.session.connection().execute(query))


def _names(ctx: Context) -> Names:
    types = ctx.session.execute(select(AppointmentType.id, AppointmentType.public_name))
    rooms = ctx.session.execute(select(Room.id, Room.name))
    places = ctx.session.execute(select(Location.id, Location.name, Location.timezone))
    return (
        {row.id: row.public_name for row in types},
        {row.id: redact(row.name) for row in rooms},
        {row.id: (redact(row.name), row.timezone) for row in places},
    )


def _event(row: Row[Any], names: Names, options: Options, host: str) -> ics.TimedEvent:
    visits, rooms, places = names
    place, zone = places[row.location_id]
    room = rooms.get(row.room_id) if row.room_id else None
    cancelled = row.status is AppointmentStatus.CANCELLED
    summary = title(
        visits.get(row.appointment_type_id, ""), row.given_name, row.family_name,
        full_names=options.full_names, cancelled=cancelled,
    )  # fmt: skip
    return ics.TimedEvent(
        uid=f"{row.id}@{host}", starts_at=row.starts_at, ends_at=row.ends_at, zone=zone,
        stamp=row.updated_at, sequence=row.sequence, summary=summary,
        location=", ".join(part for part in (room, place) if part),
        url=f"{options.base}/staff/appointments/{row.id}", cancelled=cancelled,
    )  # fmt: skip


def events(
    ctx: Context, where: Sequence[ColumnElement[bool]], options: Options
) -> list[ics.TimedEvent]:
    """The appointments as plain events, soonest first (nothing kept)."""
    names = _names(ctx)
    return [_event(row, names, options, options.host) for row in _rows(ctx, where)]


def texts(
    ctx: Context, where: Sequence[ColumnElement[bool]], options: Options, *, setup: int
) -> tuple[list[str], set[str]]:
    """Each appointment's VEVENT text, soonest first, and the zones they are written in."""
    kept = FRAGMENTS.of(setup, options)
    names: Names | None = None
    host = options.host
    found, zones = [], set()
    for row in _rows(ctx, where):
        known = kept.get(row)
        if known is None:
            names = names or _names(ctx)
            event = _event(row, names, options, host)
            # Two requests may write one row at once: both texts are the same.
            known = kept[row] = (ics.write_timed(event), event.zone)
        found.append(known[0])
        zones.add(known[1])
    return found, zones
