"""UTCDateTime: an aware instant goes in and the same aware UTC instant comes out, everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from booking.models import Location, LocationClosure
from core.db import Database


def _store_closure(database: Database, starts: datetime, ends: datetime) -> LocationClosure:
    with database.session() as session:
        location = Location(name="Harbor", timezone="America/New_York")
        session.add(location)
        session.flush()
        closure = LocationClosure(location_id=location.id, starts_at=starts, ends_at=ends)
        session.add(closure)
        session.flush()
        closure_id = closure.id
    with database.session(write=False) as session:
        loaded = session.get(LocationClosure, closure_id)
        assert loaded is not None
        return loaded


def test_aware_instants_round_trip_as_utc_with_microseconds(database: Database) -> None:
    starts = datetime(2026, 3, 8, 1, 59, 59, 123456, tzinfo=ZoneInfo("America/New_York"))
    ends = datetime(2026, 3, 8, 18, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    loaded = _store_closure(database, starts, ends)
    assert loaded.starts_at == starts
    assert loaded.starts_at.tzinfo is UTC
    assert loaded.starts_at.microsecond == 123456
    assert loaded.ends_at == ends
    assert loaded.ends_at.tzinfo is UTC


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _store_closure(database, datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))


def test_values_come_back_in_utc_whatever_the_connection_zone(database: Database) -> None:
    starts = datetime(2026, 7, 1, 9, tzinfo=ZoneInfo("America/Los_Angeles"))
    stored = _store_closure(database, starts, starts + timedelta(hours=1))
    with database.engine.connect() as conn:
        if database.engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
            conn.execute(text("SET TIME ZONE 'Asia/Kolkata'"))  # a misconfigured session
        with Session(bind=conn) as session:
            loaded = session.get(LocationClosure, stored.id)
            assert loaded is not None
            assert loaded.starts_at == starts
            assert loaded.starts_at.tzinfo is UTC
