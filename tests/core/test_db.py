"""The embedded database: WAL, a busy timeout, and write transactions that take the lock first."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from core.db import Database, gave_up_waiting, normalise_url
from core.errors import Busy
from tests.conftest import postgresql_only


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    return Database.from_url(f"sqlite:///{tmp_path / 'clinic.db'}", busy_timeout_ms=1234)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_write_session_holds_the_write_lock_from_its_first_statement(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.session() as session:
        session.execute(text("SELECT 1"))  # only a read, yet BEGIN IMMEDIATE took the lock
        other = sqlite3.connect(tmp_path / "clinic.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_a_read_session_does_not_block_writers(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.session(write=False) as session:
        session.execute(text("SELECT 1"))
        other = sqlite3.connect(tmp_path / "clinic.db", timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()


def test_a_failed_unit_of_work_is_rolled_back(sqlite_db: Database) -> None:
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))

    def insert_then_fail() -> None:
        with sqlite_db.session() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_postgres_urls_always_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_ping_reports_an_unreachable_database() -> None:
    db = Database.from_url("postgresql://nobody@127.0.0.1:1/none")
    assert db.ping() is False


def _lock_is_free(db: Database) -> bool:
    assert db.write_lock is not None
    if not db.write_lock.acquire(timeout=0):
        return False
    db.write_lock.release()
    return True


def test_a_write_session_holds_the_write_lock_until_it_commits(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        session.execute(text("SELECT 1"))
        assert not _lock_is_free(sqlite_db)
    assert _lock_is_free(sqlite_db)


def test_the_write_lock_goes_with_a_rollback_or_a_lost_connection(sqlite_db: Database) -> None:
    def unit_of_work(end: Callable[[Session], None]) -> None:
        with sqlite_db.session() as session:
            session.execute(text("SELECT 1"))
            end(session)

    def fail(_session: Session) -> None:
        raise RuntimeError("boom")

    def lose_connection(session: Session) -> None:
        session.connection().invalidate()
        assert _lock_is_free(sqlite_db)  # at once, not when the session ends

    with pytest.raises(RuntimeError):
        unit_of_work(fail)
    assert _lock_is_free(sqlite_db)
    with pytest.raises(PendingRollbackError):  # the commit finds the connection gone
        unit_of_work(lose_connection)
    assert _lock_is_free(sqlite_db)


def test_a_read_session_never_queues_for_the_write_lock(sqlite_db: Database) -> None:
    assert sqlite_db.write_lock is not None
    assert sqlite_db.write_lock.acquire(timeout=0)
    try:
        with sqlite_db.session(write=False) as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        sqlite_db.write_lock.release()


def test_a_writer_whose_wait_runs_out_is_busy(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'busy.db'}", write_wait_ms=20)
    assert db.write_lock is not None
    assert db.write_lock.acquire(timeout=0)
    with db.session() as session, pytest.raises(Busy):
        session.execute(text("SELECT 1"))
    db.write_lock.release()
    assert _lock_is_free(db)
    db.dispose()


def test_a_lock_wait_that_ran_out_in_the_database_is_told_apart() -> None:
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert gave_up_waiting(OperationalError("BEGIN IMMEDIATE", None, locked))
    other = sqlite3.OperationalError("no such table: t")
    other.sqlite_errorcode = sqlite3.SQLITE_ERROR
    assert not gave_up_waiting(OperationalError("SELECT", None, other))


def _prepared(db: Database) -> list[str]:
    """The statements prepared on the pool's most recent connection (LIFO: the one the
    next checkout gets)."""
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
        statements = list(found)
        conn.commit()
    return statements


@postgresql_only
def test_a_pooled_connection_keeps_its_prepared_statements_through_health_checks(
    database: Database,
) -> None:
    with database.session() as session:
        session.execute(text("SELECT count(*) FROM patients WHERE email = :e"), {"e": "x"})
    lookup = "SELECT count(*) FROM patients WHERE email = $1"
    assert lookup in _prepared(database)  # prepared on its first use, not its fifth
    assert database.ping() is True
    assert database.ping() is True
    assert lookup in _prepared(database)  # a rollback would have deallocated them all
