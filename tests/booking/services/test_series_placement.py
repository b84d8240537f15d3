"""Choosing one clinician and chair for a whole series (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from booking.services.occupancy import Placement
from booking.services.series_placement import Session, choose_pair

A, B = uuid.UUID(int=1), uuid.UUID(int=2)
CHAIR_1, CHAIR_2 = uuid.UUID(int=11), uuid.UUID(int=12)
MONDAY = datetime(2026, 11, 30, 14, tzinfo=UTC)


def _fits(day: int, *pairs: tuple[uuid.UUID, uuid.UUID]) -> tuple[Session, list[Placement]]:
    start = MONDAY + timedelta(days=day)
    return Session(day, start), [Placement(start, who, chair) for who, chair in pairs]


def test_the_pair_that_fits_every_session_wins_over_the_first_preference() -> None:
    found = [
        _fits(0, (A, CHAIR_1), (B, CHAIR_1)),
        _fits(2, (B, CHAIR_1)),
        _fits(4, (A, CHAIR_1), (B, CHAIR_1)),
    ]
    assert choose_pair(found) == (B, CHAIR_1)


def test_a_tie_goes_to_the_first_preference_and_nothing_fitting_is_none() -> None:
    found = [_fits(0, (A, CHAIR_2), (B, CHAIR_1)), _fits(2, (B, CHAIR_1), (A, CHAIR_2))]
    assert choose_pair(found) == (A, CHAIR_2)
    assert choose_pair([_fits(0), _fits(2)]) is None


def test_a_session_placed_by_an_accepted_alternative_does_not_steer_the_pair() -> None:
    start = MONDAY
    accepted = Session(0, start, clinician_id=B, room_id=CHAIR_2)
    found = [
        (accepted, [Placement(start, B, CHAIR_2)]),
        _fits(2, (A, CHAIR_1), (B, CHAIR_2)),
        _fits(4, (A, CHAIR_1)),
    ]
    assert choose_pair(found) == (A, CHAIR_1)
