"""Where a series goes: one clinician and one chair for every session (those asked for, or
a pair that fits them all), and for each session that pair cannot take, alternatives that
say which clinician and chair they would use. Nothing here falls back silently."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking import availability as av
from booking import series as protocols
from booking.models import AppointmentType, Location
from booking.services.context import Context
from booking.services.occupancy import Placement
from booking.services.placement import Candidates, candidates
from booking.services.slots import local_day, read_availability_inputs

LATER_OR_EARLIER = 3  # alternatives at another time, with the series' clinician
SAME_TIME = 2  # alternatives at the same time, with another chair or clinician

Pair = tuple[uuid.UUID | None, uuid.UUID | None]  # (clinician, room); None: not fixed


@dataclass(frozen=True)
class Session:
    """One session to place; ``clinician_id``/``room_id`` are an accepted alternative's own
    (None: the series')."""

    index: int
    starts_at: datetime
    clinician_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None

    def wants(self, pair: Pair) -> Pair:
        return self.clinician_id or pair[0], self.room_id or pair[1]

    def takes(self, spot: Placement, pair: Pair) -> bool:
        clinician, room = self.wants(pair)
        return (clinician is None or spot.clinician_id == clinician) and (
            room is None or spot.room_id == room
        )


def choose_pair(found: Sequence[tuple[Session, Sequence[Placement]]]) -> Pair | None:
    """The clinician and chair that fit the most sessions; on a tie, the first by preference
    (the earliest session's order). Pure."""
    pairs = dict.fromkeys((spot.clinician_id, spot.room_id) for _, fits in found for spot in fits)

    def score(pair: Pair) -> int:
        return sum(any(session.takes(spot, pair) for spot in fits) for session, fits in found)

    return max(pairs, key=score, default=None)


def place_series(
    ctx: Context, *, kind: AppointmentType, location: Location, sessions: list[Session],
    asked: Pair, gap: int,
) -> tuple[list[Placement], list[dict[str, Any]]]:  # fmt: skip
    """Every session's placement with one pair, or the conflicts (with alternatives)."""
    found = {s.index: _candidates(ctx, kind, location, s, asked) for s in sessions}
    pair = choose_pair([(s, found[s.index].fitting) for s in sessions]) or asked
    spots: list[Placement] = []
    conflicts: list[dict[str, Any]] = []
    for session in sessions:
        spot = next((p for p in found[session.index].fitting if session.takes(p, pair)), None)
        if spot is not None:
            spots.append(spot)
            continue
        others = [s.starts_at for s in sessions if s is not session]
        conflicts.append(_conflict(ctx, kind, location, session, pair, found[session.index],
                                   others, gap))  # fmt: skip
    return spots, conflicts


def _candidates(
    ctx: Context, kind: AppointmentType, location: Location, session: Session, asked: Pair
) -> Candidates:
    clinician, room = session.wants(asked)
    return candidates(ctx, kind=kind, location=location, starts_at=session.starts_at,
                      clinician_id=clinician, room_id=room)  # fmt: skip


def _conflict(
    ctx: Context, kind: AppointmentType, location: Location, session: Session, pair: Pair,
    found: Candidates, others: list[datetime], gap: int,
) -> dict[str, Any]:  # fmt: skip
    clinician, room = session.wants(pair)
    alternatives = [
        *_nearest(ctx, kind, location, session, pair, others, gap),
        *_same_time(ctx, kind, location, session, pair),
    ]
    return {
        "index": session.index, "starts_at": _local(session.starts_at, location),
        "reason": found.error(clinician, room).code,
        "clinician_id": _text(clinician), "room_id": _text(room),
        "alternatives": [_described(spot, session, pair, location) for spot in alternatives],
    }  # fmt: skip


def _nearest(
    ctx: Context, kind: AppointmentType, location: Location, session: Session, pair: Pair,
    others: list[datetime], gap: int,
) -> list[Placement]:  # fmt: skip
    """Free starts within a day either side with the same clinician (its chair first) that
    keep the series' spacing, nearest first."""
    clinician, room = session.wants(pair)
    day = local_day(session.starts_at, location.timezone)
    query = read_availability_inputs(
        ctx, location=location, kind=kind, first_day=day - timedelta(days=1),
        last_day=day + timedelta(days=1), clinician_id=clinician,
    )  # fmt: skip
    query = replace(query, rooms=sorted(query.rooms, key=lambda r: r.id != room))
    slots = [
        s for s in av.find_slots(query)
        if s.starts_at != session.starts_at and protocols.keeps_spacing(s.starts_at, others, gap)
    ]  # fmt: skip
    slots.sort(key=lambda s: abs(s.starts_at - session.starts_at))
    return [Placement(s.starts_at, s.clinician_id, s.room_id) for s in slots[:LATER_OR_EARLIER]]


def _same_time(
    ctx: Context, kind: AppointmentType, location: Location, session: Session, pair: Pair
) -> list[Placement]:
    """The same start with another chair (same clinician first) or another clinician."""
    clinician, _ = session.wants(pair)
    anyone = candidates(ctx, kind=kind, location=location, starts_at=session.starts_at,
                        clinician_id=None, room_id=None)  # fmt: skip
    spots = [spot for spot in anyone.fitting if not session.takes(spot, pair)]
    spots.sort(key=lambda spot: spot.clinician_id != clinician)
    return spots[:SAME_TIME]


def _described(spot: Placement, session: Session, pair: Pair, location: Location) -> dict[str, Any]:
    """An alternative and what it changes from the request: time, clinician and/or room."""
    clinician, room = session.wants(pair)
    changes = [
        what
        for what, differs in (
            ("time", spot.starts_at != session.starts_at),
            ("clinician", clinician is not None and spot.clinician_id != clinician),
            ("room", room is not None and spot.room_id != room),
        )
        if differs
    ]
    return {"starts_at": _local(spot.starts_at, location), "clinician_id": str(spot.clinician_id),
            "room_id": _text(spot.room_id), "changes": changes}  # fmt: skip


def _local(instant: datetime, location: Location) -> str:
    """In the location's zone, as availability answers."""
    return instant.astimezone(ZoneInfo(location.timezone)).isoformat()


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None
