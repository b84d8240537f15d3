"""The query turned into integer instants, indexed per resource (see the package docstring
for the time model). Everything here is derived once per query; the engine only reads it."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from itertools import accumulate
from operator import lt
from uuid import UUID
from zoneinfo import ZoneInfo

from booking.availability.inputs import (
    AvailabilityQuery,
    BusySpans,
    DayOverride,
    Period,
    Roster,
    TypeRules,
    WeeklyHours,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MINUTE = 60_000_000


def micros(moment: datetime) -> int:
    # Raises TypeError on a naive datetime: an instant without an offset is a bug upstream.
    return (moment - EPOCH) // MICROSECOND


def instant(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def wall(day: date, at: time, zone: ZoneInfo, *, end: bool) -> int:
    """A local wall time as an instant (the fold policy is in the module docstring)."""
    return _wall(day, at, zone, end)


@lru_cache(maxsize=8192)
def _wall(day: date, at: time, zone: ZoneInfo, end: bool) -> int:
    # Clinicians share their hours, so the same few wall times recur on every request.
    first = datetime.combine(day, at.replace(fold=0), zone)
    if not end:
        return micros(first)
    # fold=1 is later for an ambiguous time; in a gap fold=0 is the later (forward) reading.
    return max(micros(first), micros(first.replace(fold=1)))


class Spans:
    """Half-open spans sorted by start with a running maximum of their ends, so "does
    anything overlap [lo, hi)?" is one bisect even when the spans overlap each other."""

    __slots__ = ("_max_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        # Unzipped and checked in C: a month of busy periods is thousands of spans per request.
        starts, ends = zip(*ordered, strict=True) if ordered else ((), ())
        if not all(map(lt, starts, ends)):  # rare: drop the empty ones
            ordered = [(start, end) for start, end in ordered if start < end]
            starts, ends = zip(*ordered, strict=True) if ordered else ((), ())
        self._starts: list[int] = list(starts)
        self._max_ends: list[int] = list(accumulate(ends, max))

    def overlaps(self, lo: int, hi: int) -> bool:
        i = bisect_left(self._starts, hi)
        return i > 0 and self._max_ends[i - 1] > lo

    def covers(self, point: int) -> bool:
        i = bisect_right(self._starts, point)
        return i > 0 and self._max_ends[i - 1] > point

    def free_from(self, point: int) -> int:
        """The first point at or after ``point`` that no span covers."""
        while True:
            i = bisect_right(self._starts, point)
            if i == 0 or self._max_ends[i - 1] <= point:
                return point
            point = self._max_ends[i - 1]  # covered at least until there


@dataclass(frozen=True)
class Hours:
    """When clinicians work at one location: the weekly rules of each weekday, replaced on a
    date by that date's overrides. The one reading of "working then" that every answer uses."""

    zone: ZoneInfo
    first_day: date  # overrides are known for these local dates only
    last_day: date
    weekly: dict[tuple[UUID, int], list[WeeklyHours]]
    overrides: dict[tuple[UUID, date], list[DayOverride]]

    # Checking many bookings asks for the same days again; computed once each.
    _memo: dict[tuple[UUID, date], list[tuple[int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def intervals(self, clinician: UUID, day: date) -> list[tuple[int, int]]:
        """The clinician's working intervals on one local date, as instants."""
        known = self._memo.get((clinician, day))
        if known is None:
            known = self._memo[clinician, day] = self._intervals(clinician, day)
        return known

    def _intervals(self, clinician: UUID, day: date) -> list[tuple[int, int]]:
        overrides = self.overrides.get((clinician, day))
        if overrides is not None:
            bounds = [
                (o.start, o.end) for o in overrides if o.start is not None and o.end is not None
            ]
        else:
            bounds = [
                (rule.start, rule.end)
                for rule in self.weekly.get((clinician, day.weekday()), ())
                if (rule.effective_from is None or rule.effective_from <= day)
                and (rule.effective_until is None or day <= rule.effective_until)
            ]
        return [
            (wall(day, start, self.zone, end=False), wall(day, end, self.zone, end=True))
            for start, end in bounds
            if start < end
        ]

    def around(self, clinician: UUID, moment: datetime) -> Iterator[tuple[int, int]]:
        """The intervals that can hold a session starting at ``moment``: those of its local
        date and of the day before (a bound resolved forward over a gap can cross midnight)."""
        local_day = moment.astimezone(self.zone).date()
        for day in (local_day - timedelta(days=1), local_day):
            if self.first_day <= day <= self.last_day:
                yield from self.intervals(clinician, day)


def index_hours(
    source: AvailabilityQuery | Roster, clinicians: set[UUID] | frozenset[UUID]
) -> Hours:
    weekly: dict[tuple[UUID, int], list[WeeklyHours]] = {}
    for rule in source.weekly_hours:
        if rule.clinician_id in clinicians:
            weekly.setdefault((rule.clinician_id, rule.weekday), []).append(rule)
    overrides: dict[tuple[UUID, date], list[DayOverride]] = {}
    for row in source.overrides:
        if row.clinician_id in clinicians:
            overrides.setdefault((row.clinician_id, row.on_date), []).append(row)
    return Hours(source.zone, source.first_day, source.last_day, weekly, overrides)


@dataclass(frozen=True)
class ClinicianIndex:
    """One clinician's blockers, resolved once so the hot loop hashes no UUIDs."""

    time_off_spans: list[tuple[int, int]]
    busy_spans: list[tuple[int, int]]
    starts: list[int]  # supervised starts, sorted, for the start-window rule
    blocked: Spans  # all of the above (and closures) as the starts they rule out

    # Only checking one start (``fits``) asks these; listing starts needs ``blocked`` alone.
    @cached_property
    def time_off(self) -> Spans:
        return Spans(self.time_off_spans)

    @cached_property
    def busy(self) -> Spans:  # what a new booking may not overlap
        return Spans(self.busy_spans)


@dataclass(frozen=True)
class Plan:
    """The query turned into microsecond spans, indexed per resource."""

    query: AvailabilityQuery
    session: int  # real length of the session
    clinician_span: int
    room_span: int  # 0 = no room
    before: int
    after: int
    step: int
    window: int
    max_starts: int | None
    earliest: int  # first allowed start (notice, and never the past)
    horizon: int  # starts must be before this
    closures: Spans
    clinicians: dict[UUID, ClinicianIndex]
    rooms: list[tuple[UUID, Spans]]  # in preference order
    hours: Hours


def make_plan(query: AvailabilityQuery, clinicians: Sequence[UUID], rooms: Sequence[UUID]) -> Plan:
    rules = query.rules
    now = micros(query.now)
    wanted = set(clinicians)
    busy = busy_spans(query)
    return Plan(
        query=query,
        session=max(rules.clinician_minutes, rules.room_minutes) * MINUTE,
        clinician_span=rules.clinician_minutes * MINUTE,
        room_span=rules.room_minutes * MINUTE,
        before=rules.buffer_before_minutes * MINUTE,
        after=rules.buffer_after_minutes * MINUTE,
        step=rules.slot_step_minutes * MINUTE,
        window=rules.start_window_minutes * MINUTE,
        max_starts=rules.max_starts_per_window,
        earliest=now + max(rules.min_notice_minutes, 0) * MINUTE,
        horizon=now + rules.horizon_days * 24 * 60 * MINUTE,
        closures=Spans(spans_of(query.closures)),
        clinicians=_clinician_index(query, busy, wanted, list(spans_of(query.closures))),
        rooms=[(room, Spans(busy.rooms.get(room, ()))) for room in rooms],
        hours=index_hours(query, wanted),
    )


def span_of(period: Period) -> tuple[int, int]:
    return micros(period.starts_at), micros(period.ends_at)


def spans_of(periods: Iterable[Period]) -> Iterator[tuple[int, int]]:
    return map(span_of, periods)


def busy_spans(query: AvailabilityQuery) -> BusySpans:
    """The query's busy periods as spans by resource (a loader may have sent them so)."""
    if query.busy_spans is not None:
        return query.busy_spans
    exclusive: dict[UUID, list[tuple[int, int]]] = {}
    supervision: dict[UUID, list[tuple[int, int, int]]] = {}
    for row in query.clinician_busy:
        start, end = span_of(row.period)
        if row.mode == "supervision":
            supervision.setdefault(row.clinician_id, []).append((start, end, micros(row.starts_at)))
        else:
            exclusive.setdefault(row.clinician_id, []).append((start, end))
    rooms: dict[UUID, list[tuple[int, int]]] = {}
    for room in query.room_busy:
        rooms.setdefault(room.room_id, []).append(span_of(room.period))
    return BusySpans(exclusive, supervision, rooms)


def _clinician_index(
    query: AvailabilityQuery, busy: BusySpans, wanted: set[UUID], closures: list[tuple[int, int]]
) -> dict[UUID, ClinicianIndex]:
    # An exclusive booking collides with anything; a supervised one only with exclusive busy,
    # while other supervised sessions limit it through their starts instead.
    supervising = query.rules.max_starts_per_window is not None
    rules = query.rules
    found = {}
    for c in wanted:
        spans = list(busy.exclusive.get(c, ()))
        supervised = busy.supervision.get(c, ())
        if supervising:
            starts = sorted(start for _, _, start in supervised)
        else:
            spans += [(start, end) for start, end, _ in supervised]
            starts = []
        off = list(spans_of(query.time_off.get(c, ())))
        found[c] = _clinician(rules, spans, off, starts, closures)
    return found


def _clinician(
    rules: TypeRules,
    busy: list[tuple[int, int]],
    time_off: list[tuple[int, int]],
    starts: list[int],
    closures: list[tuple[int, int]],
) -> ClinicianIndex:
    """A start s is ruled out by a span [a, b) when what is checked around s overlaps it; that
    is one run of starts per span, so find_slots asks a single question per start."""
    session = max(rules.clinician_minutes, rules.room_minutes) * MINUTE
    reach = (rules.clinician_minutes + rules.buffer_after_minutes) * MINUTE
    before = rules.buffer_before_minutes * MINUTE
    window = rules.start_window_minutes * MINUTE
    runs = [(a - reach + 1, b + before) for a, b in busy]
    runs += [(a - session + 1, b) for a, b in (*time_off, *closures)]
    if rules.max_starts_per_window == 1:
        runs += [(s - window + 1, s + window) for s in starts]
    return ClinicianIndex(time_off, busy, starts, Spans(runs))


def suitable_rooms(query: AvailabilityQuery) -> list[UUID]:
    """Rooms that can host the type, in preference order (none when it needs no room)."""
    rules = query.rules
    if rules.room_minutes <= 0:
        return []
    return list(dict.fromkeys(r.id for r in query.rooms if rules.room_kind in (None, r.kind)))


def days(query: AvailabilityQuery) -> Iterator[date]:
    for offset in range((query.last_day - query.first_day).days + 1):
        yield query.first_day + timedelta(days=offset)
