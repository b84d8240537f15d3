"""Engine, sessions and the declarative base.

SQLite (the embedded default) runs in WAL mode, and write transactions open with
``BEGIN IMMEDIATE`` so a check-then-insert is one serialized step. Within a process,
writers queue for that lock in line (:class:`core.writelock.WriteLock`, one per engine)
instead of sleeping in SQLite's busy handler; the busy timeout is left for writers in
other processes. PostgreSQL goes through psycopg 3 with the session in UTC.
"""

from __future__ import annotations

import sqlite3
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool

from core.errors import Busy
from core.types import UUID, UTCDateTime
from core.writelock import FairSemaphore, WriteLock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: UUID(),
        dict[str, Any]: JSONType,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


# PostgreSQL settles some races by ending one side: two overlapping inserts that wait on
# each other's exclusion check (40P01), or transactions it cannot serialize (40001).
_RACE_SQLSTATES = frozenset({"40P01", "40001"})


def lost_race(exc: BaseException) -> bool:
    """The database aborted this transaction so a concurrent one could go on."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RACE_SQLSTATES


# SQLITE_BUSY and SQLITE_LOCKED (primary codes); 55P03 is PostgreSQL's lock_timeout.
_BUSY_SQLITE_CODES = frozenset({5, 6})


def gave_up_waiting(exc: BaseException) -> bool:
    """A lock wait in the database ran out: the request may simply be sent again."""
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_SQLITE_CODES
    return getattr(exc.orig, "sqlstate", None) == "55P03"


def refused_as_data(exc: BaseException) -> bool:
    """The database refused a value as data (PostgreSQL: NUL in text, a number out of range):
    what the client sent, never a fault of ours to answer with a 500."""
    return isinstance(exc, DataError)


def normalise_url(url: str) -> str:
    """Let people write ``postgresql://``; we always drive PostgreSQL with psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str, *, busy_timeout_ms: int = 5_000, write_wait_ms: int = 5_000, **kwargs: Any
) -> Engine:
    url = normalise_url(url)
    # Errors and logs show the SQL but never its values: those are patients' details.
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() == "sqlite":
        lock = WriteLock()
        connect_args = {"check_same_thread": False, "factory": _locking_connection(lock)}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms, lock, write_wait_ms / 1000)
        _write_locks[engine] = lock
        return engine
    return create_engine(url, **(_POSTGRESQL_POOL | kwargs))


# A worker's connections, kept warm. Up to 15 at once, as many as it admits (Database.turn),
# all kept: with SQLAlchemy's 5 kept and 10 overflow, a busy minute opened and closed a
# PostgreSQL backend every few requests, and each new one parsed and planned every
# statement again. The most recently used goes out first (LIFO), so a quiet hour keeps a
# few connections hot instead of all lukewarm. psycopg prepares a statement on its first
# use (not its fifth): the app sends a fixed set of statements, thousands of times a day.
_POSTGRESQL_POOL: dict[str, Any] = {
    "pool_pre_ping": True, "pool_size": 15, "max_overflow": 0, "pool_use_lifo": True,
    "connect_args": {"options": "-c timezone=UTC", "prepare_threshold": 0},
}  # fmt: skip


_write_locks: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()


def write_lock(engine: Engine) -> WriteLock | None:
    """The in-process write lock of a SQLite engine made by :func:`make_engine`."""
    return _write_locks.get(engine)


def _locking_connection(lock: WriteLock) -> type[sqlite3.Connection]:
    class LockingConnection(sqlite3.Connection):
        """Lets the write lock go once SQLite has ended the transaction that took it: after
        COMMIT or ROLLBACK (the pool's reset on return included), or when the connection
        is closed (invalidated)."""

        holds_write_lock = False

        def _let_go(self, *, closing: bool = False) -> None:
            if self.holds_write_lock and (closing or not self.in_transaction):
                self.holds_write_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._let_go()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._let_go()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._let_go(closing=True)

    return LockingConnection


def _configure_sqlite(
    engine: Engine, busy_timeout_ms: int, lock: WriteLock, write_wait_s: float
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if not options.get("sqlite_immediate", False):
            conn.exec_driver_sql("BEGIN")  # a reader: never queues, WAL lets it read
            return
        if not options.get("write_lock_held", False):  # else the caller queued already
            dbapi_connection: Any = conn.connection.dbapi_connection
            if not lock.acquire(write_wait_s):
                raise Busy()
            dbapi_connection.holds_write_lock = True
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# Starlette runs sync code on 40 worker threads: requests at the database take at most half.
_MAX_ADMITTED = 20


def _admissions(engine: Engine) -> int:
    """How many requests may use the database at once: what the pool can lend."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        overflow = max(int(getattr(pool, "_max_overflow", 0)), 0)
        return max(1, min(pool.size() + overflow, _MAX_ADMITTED))
    return _MAX_ADMITTED


class Database:
    """One engine and the kinds of session the app opens on it."""

    def __init__(self, engine: Engine, *, write_wait_ms: int = 5_000) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.write_lock = write_lock(engine)
        self.write_wait_s = write_wait_ms / 1000
        self.admission = FairSemaphore(_admissions(engine))
        # As long as a request would have waited for a connection at the pool.
        self.admission_wait_s = float(getattr(engine.pool, "_timeout", 30.0))
        writer = engine.execution_options(sqlite_immediate=True) if self.is_sqlite else engine
        queued = writer.execution_options(write_lock_held=True) if self.is_sqlite else engine
        self._read = sessionmaker(bind=engine, expire_on_commit=False)
        self._write = sessionmaker(bind=writer, expire_on_commit=False)
        self._queued = sessionmaker(bind=queued, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, write_wait_ms: int = 5_000, **kwargs: Any) -> Database:
        engine = make_engine(url, write_wait_ms=write_wait_ms, **kwargs)
        return cls(engine, write_wait_ms=write_wait_ms)

    @asynccontextmanager
    async def turn(self, *, write: bool = True) -> AsyncIterator[bool]:
        """For an event-loop caller about to run a session in worker threads: wait in line
        here, holding no thread, until it may use a pooled connection (and, as a SQLite
        writer, holds the write lock), and keep both until the block ends. A thread that
        blocked on either would hold a worker the current holder may need to finish (the
        thread pool is smaller than a burst), and the line would stall until waits ran out.

        Yields whether the write lock is held: then open the session with ``queued=True``."""
        lock = self.write_lock if write else None
        if lock is not None and not await lock.acquire_async(self.write_wait_s):
            raise Busy()
        try:
            if not await self.admission.acquire_async(self.admission_wait_s):
                raise Busy()
            try:
                yield lock is not None
            finally:
                self.admission.release()
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def session(self, *, write: bool = True, queued: bool = False) -> Iterator[Session]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise. A
        SQLite writer queues for the write lock at its first statement, unless ``queued``
        says it holds it already (see :meth:`turn`)."""
        factory = (self._queued if queued else self._write) if write else self._read
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                # Ended by COMMIT, not by the pool's ROLLBACK: psycopg deallocates every
                # prepared statement of a connection rolled back, so each health check
                # made the last busy connection parse and plan its statements anew.
                conn.commit()
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
