"""The embedded database: WAL, a busy timeout, and write transactions that take the lock first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import Database, normalise_url


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
