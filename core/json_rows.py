"""PostgreSQL: rows inserted from one JSON parameter, however many rows and columns.

A statement's parameters each cost a round of processing in SQLAlchemy and of dumping in
psycopg; one JSON text costs one, and PostgreSQL parses it into rows of the table's own type
(``json_populate_recordset``). Used where a hot path writes many values at once (a booking's
appointment, its occupancy and its notices).

Values are written as the column types would bind them: instants with their offset, UUIDs
and enums (stored as their values) as text. A JSON ``null`` is SQL NULL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Insert, Text, bindparam, cast, column, func, insert, literal_column
from sqlalchemy import select as select_
from sqlalchemy.dialects import postgresql

from core.db import Base


def insert_from_json(model: type[Base], columns: tuple[str, ...], parameter: str) -> Insert:
    """INSERT INTO the model's table (``columns``) the rows of the JSON array in
    ``parameter`` (see :func:`json_text`); columns not named take their defaults."""
    rows = cast(bindparam(parameter, type_=Text()), postgresql.JSON)
    source = func.json_populate_recordset(literal_column(f"NULL::{model.__tablename__}"), rows)
    return insert(model).from_select(
        columns, select_(*map(column, columns)).select_from(source), include_defaults=False
    )


def json_text(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as the JSON text :func:`insert_from_json` reads. Instants keep their offset
    (PostgreSQL reads the same instant); a naive one is refused, as UTCDateTime refuses it."""
    for row in rows:
        for value in row.values():
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError("naive datetime: every instant must carry a time zone")
    return orjson.dumps(rows).decode()
