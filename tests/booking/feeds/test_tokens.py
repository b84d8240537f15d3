"""Who may hold which feed: the rule asked at issue and at every fetch (no database)."""

from __future__ import annotations

import uuid

from booking.feeds.tokens import may_hold
from booking.models import FeedKind, Role

OWN, OTHER = uuid.uuid4(), uuid.uuid4()


def test_a_clinician_may_hold_their_own_calendar_only() -> None:
    assert may_hold(Role.CLINICIAN, OWN, FeedKind.CLINICIAN, OWN)
    assert not may_hold(Role.CLINICIAN, OWN, FeedKind.CLINICIAN, OTHER)
    assert not may_hold(Role.CLINICIAN, None, FeedKind.CLINICIAN, OWN)
    assert not may_hold(Role.CLINICIAN, OWN, FeedKind.ROOM, OTHER)
    assert not may_hold(Role.CLINICIAN, OWN, FeedKind.LOCATION, OWN)


def test_front_desk_and_admins_may_hold_any_feed() -> None:
    for role in (Role.FRONT_DESK, Role.ADMIN):
        assert all(may_hold(role, None, kind, OTHER) for kind in FeedKind)
