"""Which appointment state changes are allowed (pure rules, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.models import AppointmentStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.BOOKED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}

# States in which an appointment keeps its clinician and room busy.
OCCUPYING = frozenset({S.BOOKED, S.CHECKED_IN, S.COMPLETED})
RESCHEDULABLE = frozenset({S.BOOKED})


def can_move(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


# A status recorded by mistake, the status it goes back to when undone, and the field it
# set (cleared again). A cancellation is not undone: its slot may be someone else's now.
CORRECTIONS: dict[S, tuple[S, str | None]] = {
    S.CHECKED_IN: (S.BOOKED, "checked_in_at"),
    S.COMPLETED: (S.CHECKED_IN, "completed_at"),
    S.NO_SHOW: (S.BOOKED, None),
}


def correction_open(starts_at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """Until the end of the local day after the appointment's day: long enough to catch
    a mistake at the next morning's huddle, short enough that reports settle."""
    last_day = starts_at.astimezone(zone).date() + timedelta(days=1)
    return now.astimezone(zone).date() <= last_day
