"""Column types that behave the same on SQLite and PostgreSQL.

Both decode fast on SQLite: availability reads thousands of rows per request, and
SQLAlchemy's generic processors cost several microseconds per value there.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, String, Uuid
from sqlalchemy.types import TypeDecorator

from core.clock import as_utc

E = TypeVar("E", bound=enum.StrEnum)


class EnumText(TypeDecorator[E]):
    """A closed set kept as its plain value in a VARCHAR (no CHECK, no database enum): the
    stored column stays a string, the model reads and writes the enum, and a value outside
    the set fails on write instead of being stored."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(value)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant in, the same aware UTC instant out, on every database.

    SQLite has no zone-aware type, so the value is stored as naive UTC there;
    PostgreSQL stores ``timestamptz`` and may hand it back in the session's zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _from_sqlite
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _from_sqlite(value: str | None) -> datetime | None:
    return None if value is None else parse_sqlite_utc(value)


@lru_cache(maxsize=16_384)
def parse_sqlite_utc(value: str) -> datetime:
    """An instant as :class:`UTCDateTime` stores it on SQLite, read back."""
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; fromisoformat parses it in C.
    # Busy periods share a few hundred distinct instants, so most reads are cache hits.
    return datetime.fromisoformat(value + "+00:00")


class UUID(Uuid[uuid.UUID]):
    """``Uuid`` whose SQLite reads reuse parsed values: ids repeat across rows
    (the same clinician or chair on every busy period), and parsing is the costly part."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.supports_native_uuid:
            return super().result_processor(dialect, coltype)  # type: ignore[no-untyped-call,no-any-return]
        return _uuid_from_hex


@lru_cache(maxsize=16_384)
def _parse_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(hex=value)


def _uuid_from_hex(value: str | None) -> uuid.UUID | None:
    return None if value is None else _parse_uuid(value)
