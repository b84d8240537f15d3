"""The JSON text a hot path's rows go in as (PostgreSQL reads it with json_populate_recordset)."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.json_rows import json_text


class Colour(enum.StrEnum):
    RED = "red"


def test_values_are_written_as_the_columns_bind_them() -> None:
    row_id = uuid.uuid4()
    at = datetime(2026, 12, 3, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    (row,) = json.loads(json_text([{"id": row_id, "at": at, "colour": Colour.RED, "none": None}]))
    assert row["id"] == str(row_id)
    assert row["colour"] == "red"
    assert row["none"] is None
    # The same instant, whatever offset it carries.
    assert datetime.fromisoformat(row["at"]) == at.astimezone(UTC)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        json_text([{"at": datetime(2026, 12, 3, 9, 30)}])
