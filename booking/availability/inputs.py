"""What the availability engine is given and what it answers: plain, immutable data."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

ClinicianMode = Literal["exclusive", "supervision"]


@dataclass(frozen=True)
class TypeRules:
    clinician_minutes: int  # clinician needed from the start for this long
    room_minutes: int  # 0 = no room needed (e.g. video follow-up)
    room_kind: str | None  # "consult_room" | "treatment_chair"; None with a room = any kind
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    slot_step_minutes: int
    max_starts_per_window: int | None  # None = clinician exclusive; else clinician supervises
    start_window_minutes: int


@dataclass(frozen=True)
class WeeklyHours:
    clinician_id: UUID
    weekday: int  # Monday = 0
    start: time
    end: time
    effective_from: date | None  # inclusive
    effective_until: date | None  # inclusive


@dataclass(frozen=True)
class DayOverride:
    """The overrides of a date replace the clinician's weekly hours on that date.

    A row without times (a day off) contributes no hours; other rows of the date still do.
    """

    clinician_id: UUID
    on_date: date
    start: time | None
    end: time | None


# The three per-row types below are named tuples, not frozen dataclasses: a request builds
# thousands of them, and a tuple is built in half the time. They are as immutable.
class Period(NamedTuple):
    starts_at: datetime  # aware; half-open [starts_at, ends_at)
    ends_at: datetime


class ClinicianBusy(NamedTuple):
    """An existing appointment or live hold; ``period`` already includes its buffers."""

    clinician_id: UUID
    period: Period
    mode: ClinicianMode
    starts_at: datetime  # its real start, for the start-window rule


class RoomBusy(NamedTuple):
    room_id: UUID
    period: Period


@dataclass(frozen=True)
class Room:
    id: UUID
    kind: str


@dataclass(frozen=True)
class BusySpans:
    """The busy periods of ``clinician_busy`` and ``room_busy`` already as microsecond spans
    ``[start, end)`` since the epoch, by resource: what a loader reading thousands of rows
    hands the engine instead (the same meaning, without an object per row)."""

    exclusive: Mapping[UUID, Sequence[tuple[int, int]]]  # a clinician's exclusive busy
    supervision: Mapping[UUID, Sequence[tuple[int, int, int]]]  # (start, end, real start)
    rooms: Mapping[UUID, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class AvailabilityQuery:
    zone: ZoneInfo  # the location's IANA zone
    rules: TypeRules
    clinician_ids: Sequence[UUID]  # qualified clinicians, in preference order
    rooms: Sequence[Room]  # the location's active rooms, in preference order
    weekly_hours: Sequence[WeeklyHours]  # at this location
    overrides: Sequence[DayOverride]  # must be complete for first_day..last_day
    time_off: Mapping[UUID, Sequence[Period]]
    closures: Sequence[Period]
    clinician_busy: Sequence[ClinicianBusy]
    room_busy: Sequence[RoomBusy]
    now: datetime  # aware
    first_day: date  # local dates, inclusive: only hours on these dates are considered
    last_day: date
    busy_spans: BusySpans | None = None  # when given, used instead of the two lists above


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware UTC
    ends_at: datetime  # start + max(clinician_minutes, room_minutes), real minutes
    clinician_id: UUID
    room_id: UUID | None


@dataclass(frozen=True)
class Roster:
    """When clinicians can work at one location: the part of a query that is not about
    making a booking (no type rules, no busy periods)."""

    zone: ZoneInfo
    weekly_hours: Sequence[WeeklyHours]  # at this location
    overrides: Sequence[DayOverride]  # must be complete for first_day..last_day
    time_off: Mapping[UUID, Sequence[Period]]
    closures: Sequence[Period]
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Booking:
    """An existing appointment at the roster's location, to be checked against it."""

    id: UUID
    clinician_id: UUID
    starts_at: datetime  # aware
    ends_at: datetime  # the session's end (buffers excluded)


class StrandReason(enum.StrEnum):
    """Why an appointment can no longer go ahead as booked."""

    CLOSED = "closed"
    TIME_OFF = "time_off"
    OUTSIDE_HOURS = "outside_hours"
    CLINICIAN_INACTIVE = "clinician_inactive"
    LOCATION_INACTIVE = "location_inactive"
    ROOM_INACTIVE = "room_inactive"
    CLINICIAN_UNQUALIFIED = "clinician_unqualified"  # no longer offers the visit's type
