"""What one staff booking costs the database once the clinic setup is cached."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from booking.models import Appointment, AuditEvent
from booking.services.audit import snapshot
from core.db import Database
from tests.booking.api.conftest import Clinic, book, consult_at
from tests.booking.api.setup_helpers import expect_ok
from tests.conftest import SignedIn
from tests.factories import make_patient

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def listening(database: Database, name: str, listener: Callable[..., None]) -> Iterator[None]:
    """``listener`` hears the engine's ``name`` event while the block runs."""
    event.listen(database.engine, name, listener)
    try:
        yield
    finally:
        event.remove(database.engine, name, listener)


_WRITES = re.compile(r"(INSERT|DELETE) (?:INTO|FROM) (\w+)")


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(*args: Any) -> None:
        sql = str(args[2])
        if sql.startswith("WITH"):  # writes in a data-modifying WITH, then the main statement
            parts = [f"{verb} {table}" for verb, table in _WRITES.findall(sql)]
            sent.append("WITH " + " + ".join(parts))
        elif sql.startswith("SELECT"):  # its main table (after any subquery's), or function
            tables = re.findall(r"\bFROM (\w+)", sql) or re.findall(r"^SELECT (\w+)\(", sql)
            sent.append(f"SELECT {tables[-1] if tables else sql}")
        elif not sql.startswith(TRANSACTION_CONTROL):
            sent.append(sql.split()[0] + " " + sql.split()[2])

    with listening(database, "before_cursor_execute", count):
        yield sent


def test_a_booking_reads_the_setup_version_not_the_setup(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    first = consult_at(clinic, patient, "2026-11-30T09:00:00-05:00")
    expect_ok(book(client, first, front_desk.headers), 201)  # fills the cache
    with statements(database) as sent:
        second = consult_at(clinic, patient, "2026-11-30T11:00:00-05:00")
        expect_ok(book(client, second, front_desk.headers), 201)
    if database.is_sqlite:
        # The caller's token (the setup version rides along), the busy periods, the
        # patient; no hours, overrides, clinicians, rooms or types. Then the expired holds
        # there go, SQLite's own overlap check, and the appointment, its occupancy, its
        # audit and its notices (one statement for all of them) are written.
        expected = ["SELECT staff_sessions", "SELECT occupancy", "SELECT patients",
                    "DELETE holds", "SELECT occupancy", "INSERT appointments",
                    "INSERT occupancy", "INSERT audit_events", "INSERT notices"]  # fmt: skip
    else:
        # The token with the shared schedule lock (time off cannot slip in meanwhile) and
        # the version read once it is held, the busy periods clearing the expired holds
        # there, the patient; then the appointment, its occupancy (clinician and room, one
        # JSON parameter), its notices and its audit in one statement.
        expected = ["SELECT staff_sessions", "WITH DELETE holds", "SELECT patients",
                    "WITH INSERT appointments + INSERT occupancy + INSERT notices"
                    " + INSERT audit_events"]  # fmt: skip
    assert sent == expected, sent


def test_the_setup_version_is_read_with_the_token_and_after_the_turn(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    expect_ok(book(client, consult_at(clinic, patient, "2026-11-30T09:00:00-05:00"),
                   front_desk.headers), 201)  # fmt: skip
    sent: list[str] = []

    def note(*args: Any) -> None:
        sent.append(str(args[2]))

    with listening(database, "before_cursor_execute", note):
        second = consult_at(clinic, patient, "2026-11-30T11:00:00-05:00")
        expect_ok(book(client, second, front_desk.headers), 201)
    versions = [s for s in sent if "setup_version" in s or "take_schedule_turn" in s]
    # Read once, with the token; on PostgreSQL by the schedule lock taken in that same
    # statement, once the lock is held (take_schedule_turn; test_setup_races).
    assert len(versions) == 1, versions
    assert "staff_sessions" in versions[0]
    assert ("take_schedule_turn" in versions[0]) is not database.is_sqlite


def test_the_booking_audit_is_the_stored_appointment(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    body = consult_at(clinic, patient, "2026-11-30T09:00:00-05:00")
    booked = expect_ok(book(client, body, front_desk.headers), 201)
    with database.session(write=False) as session:
        stored = session.get_one(Appointment, uuid.UUID(booked["appointment"]["id"]))
        event_ = session.query(AuditEvent).filter_by(action="appointment.book").one()
        assert event_.after == snapshot(stored)


def test_a_repeated_booking_compiles_no_sql(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    """Compiling a statement costs more CPU than sending it: once warm, every statement a
    booking sends comes from SQLAlchemy's compiled cache (a multi-row VALUES never does)."""
    patient = make_patient(client, front_desk.headers)
    expect_ok(book(client, consult_at(clinic, patient, "2026-11-30T09:00:00-05:00"),
                   front_desk.headers), 201)  # fmt: skip
    compiled: list[str] = []

    def note(*args: Any) -> None:
        context = args[4]
        if context.compiled is not None and context.cache_hit is not CacheStats.CACHE_HIT:
            compiled.append(str(args[2]).split("\n")[0][:80])

    with listening(database, "after_cursor_execute", note):
        second = consult_at(clinic, patient, "2026-11-30T11:00:00-05:00")
        expect_ok(book(client, second, front_desk.headers), 201)
    assert compiled == []
