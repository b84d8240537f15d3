"""UTCDateTime: an aware instant goes in and the same aware UTC instant comes out, everywhere.
EnumText: a closed set goes in as its plain value and comes out as the enum."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from booking.models import ActorKind, AuditEvent, Location, LocationClosure
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


def _audit(actor_kind: str) -> AuditEvent:
    return AuditEvent(
        at=datetime(2026, 1, 1, tzinfo=UTC), actor_kind=actor_kind, actor_id=None,
        actor_label="test", action="test.enum", entity_type="test", entity_id=uuid.uuid4(),
    )  # fmt: skip


def test_a_closed_set_is_stored_as_its_plain_value_and_read_as_the_enum(
    database: Database,
) -> None:
    _write(database, _audit(ActorKind.SYSTEM))
    with database.session(write=False) as session:
        raw = session.execute(
            text("SELECT actor_kind FROM audit_events WHERE action = 'test.enum'")
        ).scalar_one()
        loaded = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.enum")).one()
    assert raw == "system"
    assert loaded.actor_kind is ActorKind.SYSTEM


def test_a_value_outside_the_set_is_refused_on_write(database: Database) -> None:
    event = _audit("anonymous")
    with pytest.raises(StatementError):
        _write(database, event)


def _write(database: Database, event: AuditEvent) -> None:
    with database.session() as session:
        session.add(event)
