"""What the front desk's pages show: the day board of a location, one appointment with
what may be done to it, and the gates and open times of a booking for a patient.

Read-only views built on the API's own services (listing, attention, availability, the
gates): the changes themselves go through booking.services.changes / appointments / series.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking import lifecycle
from booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Clinician,
    Location,
    Patient,
    Room,
)
from booking.services import attention, clinic_setup, listing
from booking.services.availability import open_slots
from booking.services.changes import load
from booking.services.clinic_setup import require_location
from booking.services.context import Context

S = AppointmentStatus
ROW_MINUTES = 15
DAY_START, DAY_END = time(7), time(19)  # widened when an appointment lies outside
BOARD_LIMIT = 1000


@dataclass(frozen=True)
class Entry:
    appointment_id: uuid.UUID
    patient_name: str
    type_name: str
    status: AppointmentStatus
    starts_at: datetime  # in the location's zone
    ends_at: datetime
    row: int  # the grid row it starts on (1: the column heading)
    rows: int
    lane: int = 0  # side by side with overlapping ones (a clinician's staggered chairs)


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str  # "clinician" or "chair": what the column is the calendar of
    entries: list[Entry] = field(default_factory=list)
    lanes: int = 1


@dataclass(frozen=True)
class Board:
    location: Location
    locations: list[Location]
    day: date
    zone: ZoneInfo
    times: list[tuple[int, datetime]]  # (grid row, local time) of each 15-minute row
    columns: list[Column]
    attention: list[attention.Stranded]

    @property
    def bookings(self) -> int:
        """Each appointment once (it shows in its clinician's column and its room's)."""
        return len({e.appointment_id for column in self.columns for e in column.entries})

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)


def discard(ctx: Context) -> None:
    """Undo what a refused change had written so far (its flushes), before the page says
    why: the request's session commits at the edge whatever the page answered."""
    ctx.session.rollback()


def pick_location(ctx: Context, location_id: uuid.UUID | None) -> Location:
    """The location asked for; else the only one, or with several the first by name (a
    page opens on something, and its location switcher offers the others)."""
    if location_id is None:
        active = active_locations(ctx)
        if len(active) > 1:
            location_id = active[0].id
    return require_location(ctx, location_id)


def local_today(ctx: Context, *, location_id: uuid.UUID | None) -> tuple[Location, date]:
    location = pick_location(ctx, location_id)
    return location, ctx.now.astimezone(ZoneInfo(location.timezone)).date()


def day_board(ctx: Context, *, location_id: uuid.UUID | None, day: date | None) -> Board:
    """The location's day (default: today there), a column per clinician and per chair,
    and what needs attention at that location first. A handful of queries per day."""
    location, today = local_today(ctx, location_id=location_id)
    day = day or today
    zone = ZoneInfo(location.timezone)
    booked = listing.search(
        ctx, day=day, clinician_id=None, room_id=None, patient_id=None,
        location_id=location.id, status=None, limit=BOARD_LIMIT,
    )  # fmt: skip
    scope = attention.Scope(location_id=location.id)
    stranded = attention.needs_attention(ctx, scope=scope)
    names = _patient_names(ctx, {a.patient_id for a in booked})
    kinds = {k.id: k for k in clinic_setup.list_appointment_types(ctx)}
    first, last = _span(booked, zone, day)
    times = _times(first, last)
    return Board(
        location=location, locations=active_locations(ctx), day=day, zone=zone,
        times=times, columns=_columns(ctx, location, booked, kinds, names, times[0][1]),
        attention=stranded,
    )  # fmt: skip


def active_locations(ctx: Context) -> list[Location]:
    return [place for place in clinic_setup.list_locations(ctx) if place.active]


def _patient_names(ctx: Context, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = ctx.session.execute(
        select(Patient.id, Patient.given_name, Patient.family_name).where(Patient.id.in_(ids))
    )
    return {id_: f"{given} {family}" for id_, given, family in rows}


def _span(booked: list[Appointment], zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    first = datetime.combine(day, DAY_START, zone)
    last = datetime.combine(day, DAY_END, zone)
    for a in booked:
        first = min(first, a.starts_at.astimezone(zone))
        last = max(last, a.ends_at.astimezone(zone))
    first = first.replace(minute=first.minute - first.minute % ROW_MINUTES, second=0)
    return first, last


def _times(first: datetime, last: datetime) -> list[tuple[int, datetime]]:
    times: list[tuple[int, datetime]] = []
    at, row = first, 2
    while at < last:
        times.append((row, at))
        at, row = at + timedelta(minutes=ROW_MINUTES), row + 1
    return times


def _entry(
    a: Appointment, kind: AppointmentType, names: dict[uuid.UUID, str], top: datetime,
    minutes: int,
) -> Entry:  # fmt: skip
    zone = top.tzinfo
    starts = a.starts_at.astimezone(zone)
    row = 2 + int((starts - top).total_seconds() // (ROW_MINUTES * 60))
    return Entry(
        appointment_id=a.id, patient_name=names.get(a.patient_id, ""), type_name=kind.name,
        status=a.status, starts_at=starts, ends_at=a.ends_at.astimezone(zone), row=row,
        rows=max(1, -(-minutes // ROW_MINUTES)),
    )  # fmt: skip


def _columns(
    ctx: Context, location: Location, booked: list[Appointment],
    kinds: dict[uuid.UUID, AppointmentType], names: dict[uuid.UUID, str], top: datetime,
) -> list[Column]:  # fmt: skip
    """Clinicians who work here or have a booking today, then the location's rooms."""
    working = {a.clinician_id for a in booked}
    clinicians = [c for c in clinic_setup.list_clinicians(ctx) if c.active or c.id in working]
    rooms = [r for r in clinic_setup.list_rooms(ctx, location_id=location.id) if r.active]
    columns = []
    for clinician in clinicians:
        mine = [(a, kinds[a.appointment_type_id]) for a in booked if a.clinician_id == clinician.id]
        entries = [_entry(a, kind, names, top, kind.clinician_minutes) for a, kind in mine]
        columns.append(_laned(clinician.name, "clinician", entries))
    for room in rooms:
        used = [a for a in booked if a.room_id == room.id]
        entries = [_entry(a, kinds[a.appointment_type_id], names, top, _minutes(a)) for a in used]
        columns.append(_laned(room.name, "chair", entries))
    return columns


def _laned(heading: str, kind: str, entries: list[Entry]) -> Column:
    """Overlapping entries side by side: each takes the first lane free at its start."""
    ends: list[int] = []  # the row after each lane's last entry
    placed = []
    for entry in sorted(entries, key=lambda e: (e.row, -e.rows)):
        lane = next((i for i, end in enumerate(ends) if end <= entry.row), len(ends))
        if lane == len(ends):
            ends.append(0)
        ends[lane] = entry.row + entry.rows
        placed.append(replace(entry, lane=lane))
    return Column(heading, kind, placed, max(1, len(ends)))


def _minutes(a: Appointment) -> int:
    return int((a.ends_at - a.starts_at).total_seconds() // 60)


# --- one appointment -------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    patient: Patient
    kind: AppointmentType
    location: Location
    clinician: Clinician
    room: Room | None
    zone: ZoneInfo
    actions: frozenset[str]  # check_in, complete, no_show, undo, cancel, reschedule
    open_times: list[datetime]  # for the reschedule day asked for, in the location's zone
    reschedule_day: date

    @property
    def day(self) -> date:
        """The appointment's own day at its location."""
        return self.appointment.starts_at.astimezone(self.zone).date()


def _actions(a: Appointment) -> frozenset[str]:
    targets = {"check_in": S.CHECKED_IN, "complete": S.COMPLETED, "no_show": S.NO_SHOW}
    targets["cancel"] = S.CANCELLED
    found = {name for name, target in targets.items() if lifecycle.can_move(a.status, target)}
    if a.status in lifecycle.CORRECTIONS:
        found.add("undo")
    if a.status in lifecycle.RESCHEDULABLE:
        found.add("reschedule")
    return frozenset(found)


def appointment_view(
    ctx: Context, *, appointment_id: uuid.UUID, reschedule_day: date | None
) -> AppointmentView:
    """The appointment, what may be done to it now, and the open times of its type and
    clinician on ``reschedule_day`` (default: its own day) to move it to."""
    a = load(ctx, appointment_id, lock=False)
    location = ctx.get(Location, a.location_id, "location")
    zone = ZoneInfo(location.timezone)
    day = reschedule_day or a.starts_at.astimezone(zone).date()
    actions = _actions(a)
    times: list[datetime] = []
    if "reschedule" in actions:
        found = open_slots(
            ctx, appointment_type_id=a.appointment_type_id, first_day=day, last_day=day,
            location_id=location.id, clinician_id=a.clinician_id, ignore_appointment=a.id,
        )  # fmt: skip
        times = sorted({slot.starts_at for slot in found.slots} - {a.starts_at})
    return AppointmentView(
        appointment=a, patient=ctx.get(Patient, a.patient_id, "patient"),
        kind=ctx.get(AppointmentType, a.appointment_type_id, "appointment type"),
        location=location, clinician=ctx.get(Clinician, a.clinician_id, "clinician"),
        room=ctx.session.get(Room, a.room_id) if a.room_id else None, zone=zone,
        actions=actions, open_times=times, reschedule_day=day,
    )  # fmt: skip
