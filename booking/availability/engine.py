"""The questions the engine answers: which starts are bookable, why one is not, and which
existing bookings their clinician can no longer work."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID

from booking.availability.inputs import AvailabilityQuery, Booking, Roster, Slot, StrandReason
from booking.availability.plan import (
    ClinicianIndex,
    Plan,
    Spans,
    days,
    index_hours,
    instant,
    make_plan,
    micros,
    spans_of,
    suitable_rooms,
)


def _away(closures: Spans, time_off: Spans, start: int, end: int) -> str | None:
    # Closures and time off are compared with the session itself: buffers may run into them.
    if closures.overlaps(start, end):
        return "closed"
    if time_off.overlaps(start, end):
        return "time_off"
    return None


def _clinician_reason(plan: Plan, who: ClinicianIndex, start: int) -> str | None:
    """Why this clinician cannot start then (hours and the grid are checked by the caller)."""
    if away := _away(plan.closures, who.time_off, start, start + plan.session):
        return away
    if who.busy.overlaps(start - plan.before, start + plan.clinician_span + plan.after):
        return "clinician_busy"
    if plan.max_starts is not None and _over_start_limit(plan, who, start, plan.max_starts):
        return "start_limit"
    return None


def _over_start_limit(plan: Plan, who: ClinicianIndex, start: int, limit: int) -> bool:
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


def _room_free(plan: Plan, busy: Spans, start: int) -> bool:
    return not busy.overlaps(start - plan.before, start + plan.room_span + plan.after)


def _first_room(plan: Plan, start: int) -> tuple[bool, UUID | None]:
    """(True, room or None when no room is needed) or (False, None) when every room is taken."""
    if plan.room_span == 0:
        return True, None
    lo, hi = start - plan.before, start + plan.room_span + plan.after  # as _room_free asks
    for room, busy in plan.rooms:
        if not busy.overlaps(lo, hi):
            return True, room
    return False, None


def _grid(plan: Plan, lo: int, hi: int) -> range:
    """Starts stepping from the interval's start whose session fits and that may be booked."""
    first = lo
    if first < plan.earliest:
        first += -(-(plan.earliest - lo) // plan.step) * plan.step  # next grid point
    last = min(hi - plan.session, plan.horizon - 1)
    return range(first, last + 1, plan.step)


# A bookable start as the engine finds it: the instant (µs), the clinician, the room or None.
Start = tuple[int, UUID, UUID | None]


def find_slots(query: AvailabilityQuery) -> list[Slot]:
    """Bookable starts, sorted; one per instant: the first clinician, then room, that fits."""
    starts, session = find_starts(query)
    return [Slot(instant(at), instant(at + session), who, room) for at, who, room in starts]


def find_starts(query: AvailabilityQuery) -> tuple[list[Start], int]:
    """:func:`find_slots` as integer instants, with the session's length (µs): a caller that
    writes the starts out as text needs no datetime per slot."""
    clinicians = list(dict.fromkeys(query.clinician_ids))
    plan = make_plan(query, clinicians, suitable_rooms(query))
    room_at: dict[int, tuple[bool, UUID | None]] = {}  # rooms do not depend on the clinician
    found: dict[int, Start] = {}
    # A limit of one start per window is already in `blocked`; higher limits are counted.
    counted = plan.max_starts if plan.max_starts is not None and plan.max_starts > 1 else 0
    for clinician in clinicians:
        who = plan.clinicians[clinician]
        for day in days(query):
            for lo, hi in plan.hours.intervals(clinician, day):
                for start in _open_starts(_grid(plan, lo, hi), who.blocked):
                    if start in found:
                        continue
                    if counted and _over_start_limit(plan, who, start, counted):
                        continue
                    if start not in room_at:
                        room_at[start] = _first_room(plan, start)
                    has_room, room = room_at[start]
                    if has_room:
                        found[start] = (start, clinician, room)
    return [found[start] for start in sorted(found)], plan.session


def _open_starts(grid: range, blocked: Spans) -> Iterator[int]:
    """The grid's starts that ``blocked`` does not cover, jumping over each blocked run
    (a busy clinician's day is mostly runs: one bisect per run, not one per start)."""
    start, stop, step = grid.start, grid.stop, grid.step
    while start < stop:
        free = blocked.free_from(start)
        if free == start:
            yield start
            start += step
        else:
            start += -(-(free - start) // step) * step  # the next grid point from ``free``


def fits(
    query: AvailabilityQuery, *, starts_at: datetime, clinician_id: UUID, room_id: UUID | None
) -> str | None:
    """None if exactly this booking is possible, else a short stable reason code."""
    start = micros(starts_at)
    plan = make_plan(query, [clinician_id], [] if room_id is None else [room_id])
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
    return room_id not in suitable_rooms(query)


def _grid_reason(plan: Plan, clinician: UUID, starts_at: datetime, start: int) -> str | None:
    inside = False
    for lo, hi in plan.hours.around(clinician, starts_at):
        if lo <= start and start + plan.session <= hi:
            if (start - lo) % plan.step == 0:
                return None
            inside = True
    return "misaligned" if inside else "outside_hours"


def unworkable(roster: Roster, bookings: Sequence[Booking]) -> dict[UUID, StrandReason]:
    """The bookings whose clinician can no longer work them, by id, with the reason
    ("closed", "time_off" or "outside_hours"): the rules ``fits`` applies to hours, time off
    and closures, without those about making a booking (notice, grid, other bookings)."""
    clinicians = frozenset(booking.clinician_id for booking in bookings)
    hours = index_hours(roster, clinicians)
    closures = Spans(spans_of(roster.closures))
    time_off = {c: Spans(spans_of(roster.time_off.get(c, ()))) for c in clinicians}
    found: dict[UUID, StrandReason] = {}
    for booking in bookings:
        start, end = micros(booking.starts_at), micros(booking.ends_at)
        reason = _away(closures, time_off[booking.clinician_id], start, end)
        if reason is None and not any(
            lo <= start and end <= hi
            for lo, hi in hours.around(booking.clinician_id, booking.starts_at)
        ):
            reason = "outside_hours"
        if reason is not None:
            found[booking.id] = StrandReason(reason)
    return found
