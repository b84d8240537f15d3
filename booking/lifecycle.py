"""Which appointment state changes are allowed (pure rules, no database)."""

from __future__ import annotations

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
