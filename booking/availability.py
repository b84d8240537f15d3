"""Bookable appointment starts: a pure function of plain data (no database, no clock, no I/O).

Time model. Working hours are local wall-clock rules; everything else is real time. Each
working interval's wall-clock bounds become UTC instants once, and starts then step by real
elapsed minutes from the interval's start, so across a DST change no start falls in a skipped
hour, a repeated hour yields each real instant once, and session lengths are real minutes.

Wall-time bounds are resolved with PEP 495 ``fold`` (see ``_wall``): a bound inside a
spring-forward gap is read with the offset before the gap, i.e. it moves forward by the gap
(02:30 on 2026-03-08 in New York is 03:30 EDT); an ambiguous autumn bound is the first
occurrence for a start (fold=0) and the second for an end (fold=1), so an interval covers the
whole repeated hour.

Internally instants are int microseconds since the epoch: exact, and far cheaper to compare
and add than datetimes in the inner loop. Busy periods are indexed per resource, sorted, so
each test is a bisect instead of a scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Literal
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


@dataclass(frozen=True)
class Period:
    starts_at: datetime  # aware; half-open [starts_at, ends_at)
    ends_at: datetime


@dataclass(frozen=True)
class ClinicianBusy:
    """An existing appointment or live hold; ``period`` already includes its buffers."""

    clinician_id: UUID
    period: Period
    mode: ClinicianMode
    starts_at: datetime  # its real start, for the start-window rule


@dataclass(frozen=True)
class RoomBusy:
    room_id: UUID
    period: Period


@dataclass(frozen=True)
class Room:
    id: UUID
    kind: str


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


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware UTC
    ends_at: datetime  # start + max(clinician_minutes, room_minutes), real minutes
    clinician_id: UUID
    room_id: UUID | None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE = 60_000_000


def _us(moment: datetime) -> int:
    # Raises TypeError on a naive datetime: an instant without an offset is a bug upstream.
    return (moment - _EPOCH) // _MICROSECOND


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _wall(day: date, at: time, zone: ZoneInfo, *, end: bool) -> int:
    """A local wall time as an instant (the fold policy is in the module docstring)."""
    first = datetime.combine(day, at.replace(fold=0), zone)
    if not end:
        return _us(first)
    # fold=1 is later for an ambiguous time; in a gap fold=0 is the later (forward) reading.
    return max(_us(first), _us(first.replace(fold=1)))


class _Spans:
    """Half-open spans sorted by start with a running maximum of their ends, so "does
    anything overlap [lo, hi)?" is one bisect even when the spans overlap each other."""

    __slots__ = ("_max_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(span for span in spans if span[0] < span[1])
        self._starts = [start for start, _ in ordered]
        self._max_ends = list(accumulate((end for _, end in ordered), max))

    def overlaps(self, lo: int, hi: int) -> bool:
        i = bisect_left(self._starts, hi)
        return i > 0 and self._max_ends[i - 1] > lo

    def covers(self, point: int) -> bool:
        i = bisect_right(self._starts, point)
        return i > 0 and self._max_ends[i - 1] > point


@dataclass(frozen=True)
class _Clinician:
    """One clinician's blockers, resolved once so the hot loop hashes no UUIDs."""

    time_off: _Spans
    busy: _Spans  # what a new booking may not overlap
    starts: list[int]  # supervised starts, sorted, for the start-window rule
    blocked: _Spans  # all of the above (and closures) as the starts they rule out


@dataclass(frozen=True)
class _Plan:
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
    closures: _Spans
    clinicians: dict[UUID, _Clinician]
    rooms: list[tuple[UUID, _Spans]]  # in preference order
    weekly: dict[tuple[UUID, int], list[WeeklyHours]]
    overrides: dict[tuple[UUID, date], list[DayOverride]]


def _plan(query: AvailabilityQuery, clinicians: Sequence[UUID], rooms: Sequence[UUID]) -> _Plan:
    rules = query.rules
    now = _us(query.now)
    wanted = set(clinicians)
    weekly: dict[tuple[UUID, int], list[WeeklyHours]] = {}
    for rule in query.weekly_hours:
        if rule.clinician_id in wanted:
            weekly.setdefault((rule.clinician_id, rule.weekday), []).append(rule)
    overrides: dict[tuple[UUID, date], list[DayOverride]] = {}
    for row in query.overrides:
        if row.clinician_id in wanted:
            overrides.setdefault((row.clinician_id, row.on_date), []).append(row)
    return _Plan(
        query=query,
        session=max(rules.clinician_minutes, rules.room_minutes) * _MINUTE,
        clinician_span=rules.clinician_minutes * _MINUTE,
        room_span=rules.room_minutes * _MINUTE,
        before=rules.buffer_before_minutes * _MINUTE,
        after=rules.buffer_after_minutes * _MINUTE,
        step=rules.slot_step_minutes * _MINUTE,
        window=rules.start_window_minutes * _MINUTE,
        max_starts=rules.max_starts_per_window,
        earliest=now + max(rules.min_notice_minutes, 0) * _MINUTE,
        horizon=now + rules.horizon_days * 24 * 60 * _MINUTE,
        closures=_Spans(_spans(query.closures)),
        clinicians=_clinician_index(query, wanted, list(_spans(query.closures))),
        rooms=_room_index(query, rooms),
        weekly=weekly,
        overrides=overrides,
    )


def _span(period: Period) -> tuple[int, int]:
    return _us(period.starts_at), _us(period.ends_at)


def _spans(periods: Iterable[Period]) -> Iterator[tuple[int, int]]:
    return map(_span, periods)


def _clinician_index(
    query: AvailabilityQuery, wanted: set[UUID], closures: list[tuple[int, int]]
) -> dict[UUID, _Clinician]:
    # An exclusive booking collides with anything; a supervised one only with exclusive busy,
    # while other supervised sessions limit it through their starts instead.
    supervising = query.rules.max_starts_per_window is not None
    spans: dict[UUID, list[tuple[int, int]]] = {c: [] for c in wanted}
    starts: dict[UUID, list[int]] = {c: [] for c in wanted}
    for row in query.clinician_busy:
        if row.clinician_id not in wanted:
            continue
        if supervising and row.mode == "supervision":
            starts[row.clinician_id].append(_us(row.starts_at))
        else:
            spans[row.clinician_id].append(_span(row.period))
    rules = query.rules
    off = {c: list(_spans(query.time_off.get(c, ()))) for c in wanted}
    return {c: _clinician(rules, spans[c], off[c], sorted(starts[c]), closures) for c in wanted}


def _clinician(
    rules: TypeRules,
    busy: list[tuple[int, int]],
    time_off: list[tuple[int, int]],
    starts: list[int],
    closures: list[tuple[int, int]],
) -> _Clinician:
    """A start s is ruled out by a span [a, b) when what is checked around s overlaps it; that
    is one run of starts per span, so find_slots asks a single question per start."""
    session = max(rules.clinician_minutes, rules.room_minutes) * _MINUTE
    reach = (rules.clinician_minutes + rules.buffer_after_minutes) * _MINUTE
    before = rules.buffer_before_minutes * _MINUTE
    window = rules.start_window_minutes * _MINUTE
    runs = [(a - reach + 1, b + before) for a, b in busy]
    runs += [(a - session + 1, b) for a, b in (*time_off, *closures)]
    if rules.max_starts_per_window == 1:
        runs += [(s - window + 1, s + window) for s in starts]
    return _Clinician(_Spans(time_off), _Spans(busy), starts, _Spans(runs))


def _suitable_rooms(query: AvailabilityQuery) -> list[UUID]:
    """Rooms that can host the type, in preference order (none when it needs no room)."""
    rules = query.rules
    if rules.room_minutes <= 0:
        return []
    return list(dict.fromkeys(r.id for r in query.rooms if rules.room_kind in (None, r.kind)))


def _room_index(query: AvailabilityQuery, rooms: Sequence[UUID]) -> list[tuple[UUID, _Spans]]:
    spans: dict[UUID, list[tuple[int, int]]] = {room: [] for room in rooms}
    for row in query.room_busy:
        bucket = spans.get(row.room_id)
        if bucket is not None:
            bucket.append(_span(row.period))
    return [(room, _Spans(spans[room])) for room in rooms]


def _intervals(plan: _Plan, clinician: UUID, day: date) -> list[tuple[int, int]]:
    """The clinician's working intervals on one local date, as instants."""
    zone = plan.query.zone
    overrides = plan.overrides.get((clinician, day))
    if overrides is not None:
        bounds = [(o.start, o.end) for o in overrides if o.start is not None and o.end is not None]
    else:
        bounds = [
            (rule.start, rule.end)
            for rule in plan.weekly.get((clinician, day.weekday()), ())
            if (rule.effective_from is None or rule.effective_from <= day)
            and (rule.effective_until is None or day <= rule.effective_until)
        ]
    return [
        (_wall(day, start, zone, end=False), _wall(day, end, zone, end=True))
        for start, end in bounds
        if start < end
    ]


def _days(query: AvailabilityQuery) -> Iterator[date]:
    for offset in range((query.last_day - query.first_day).days + 1):
        yield query.first_day + timedelta(days=offset)


def _clinician_reason(plan: _Plan, who: _Clinician, start: int) -> str | None:
    """Why this clinician cannot start then (hours and the grid are checked by the caller)."""
    end = start + plan.session
    # Closures and time off are compared with the session itself: buffers may run into them.
    if plan.closures.overlaps(start, end):
        return "closed"
    if who.time_off.overlaps(start, end):
        return "time_off"
    if who.busy.overlaps(start - plan.before, start + plan.clinician_span + plan.after):
        return "clinician_busy"
    if plan.max_starts is not None and _over_start_limit(plan, who, start, plan.max_starts):
        return "start_limit"
    return None


def _over_start_limit(plan: _Plan, who: _Clinician, start: int, limit: int) -> bool:
    """Would ``start`` make some window of the window's length hold more than ``limit``
    starts? Only windows beginning at one of the nearby starts need checking: sliding a
    window right until its left edge meets a start never loses one."""
    starts = who.starts
    lo, hi = bisect_right(starts, start - plan.window), bisect_left(starts, start + plan.window)
    points = sorted([*starts[lo:hi], start])
    end = 0
    for first, left in enumerate(points):
        if left > start:
            break
        while end < len(points) and points[end] < left + plan.window:
            end += 1
        if end - first > limit:
            return True
    return False


def _room_free(plan: _Plan, busy: _Spans, start: int) -> bool:
    return not busy.overlaps(start - plan.before, start + plan.room_span + plan.after)


def _first_room(plan: _Plan, start: int) -> tuple[bool, UUID | None]:
    """(True, room or None when no room is needed) or (False, None) when every room is taken."""
    if plan.room_span == 0:
        return True, None
    for room, busy in plan.rooms:
        if _room_free(plan, busy, start):
            return True, room
    return False, None


def _grid(plan: _Plan, lo: int, hi: int) -> range:
    """Starts stepping from the interval's start whose session fits and that may be booked."""
    first = lo
    if first < plan.earliest:
        first += -(-(plan.earliest - lo) // plan.step) * plan.step  # next grid point
    last = min(hi - plan.session, plan.horizon - 1)
    return range(first, last + 1, plan.step)


def find_slots(query: AvailabilityQuery) -> list[Slot]:
    """Bookable starts, sorted; one per instant: the first clinician, then room, that fits."""
    clinicians = list(dict.fromkeys(query.clinician_ids))
    plan = _plan(query, clinicians, _suitable_rooms(query))
    room_at: dict[int, tuple[bool, UUID | None]] = {}  # rooms do not depend on the clinician
    found: dict[int, Slot] = {}
    # A limit of one start per window is already in `blocked`; higher limits are counted.
    counted = plan.max_starts if plan.max_starts is not None and plan.max_starts > 1 else 0
    for clinician in clinicians:
        who = plan.clinicians[clinician]
        for day in _days(query):
            for lo, hi in _intervals(plan, clinician, day):
                for start in _grid(plan, lo, hi):
                    if start in found or who.blocked.covers(start):
                        continue
                    if counted and _over_start_limit(plan, who, start, counted):
                        continue
                    if start not in room_at:
                        room_at[start] = _first_room(plan, start)
                    has_room, room = room_at[start]
                    if has_room:
                        end = _instant(start + plan.session)
                        found[start] = Slot(_instant(start), end, clinician, room)
    return [found[start] for start in sorted(found)]


def fits(
    query: AvailabilityQuery, *, starts_at: datetime, clinician_id: UUID, room_id: UUID | None
) -> str | None:
    """None if exactly this booking is possible, else a short stable reason code."""
    start = _us(starts_at)
    plan = _plan(query, [clinician_id], [] if room_id is None else [room_id])
    if start < plan.earliest:
        return "too_soon"
    if start >= plan.horizon:
        return "beyond_horizon"
    if _wrong_room(query, room_id):
        return "wrong_room"
    reason = _grid_reason(plan, clinician_id, starts_at, start) or _clinician_reason(
        plan, plan.clinicians[clinician_id], start
    )
    if reason is None and plan.rooms and not _room_free(plan, plan.rooms[0][1], start):
        reason = "room_busy"
    return reason


def _wrong_room(query: AvailabilityQuery, room_id: UUID | None) -> bool:
    # A room must be given exactly when the type needs one, and be of the right kind here.
    if query.rules.room_minutes <= 0:
        return room_id is not None
    return room_id not in _suitable_rooms(query)


def _grid_reason(plan: _Plan, clinician: UUID, starts_at: datetime, start: int) -> str | None:
    query = plan.query
    local_day = starts_at.astimezone(query.zone).date()
    inside = False
    # The day before too: a bound resolved forward over a gap can cross midnight.
    for day in (local_day - timedelta(days=1), local_day):
        if not query.first_day <= day <= query.last_day:
            continue
        for lo, hi in _intervals(plan, clinician, day):
            if lo <= start and start + plan.session <= hi:
                if (start - lo) % plan.step == 0:
                    return None
                inside = True
    return "misaligned" if inside else "outside_hours"
