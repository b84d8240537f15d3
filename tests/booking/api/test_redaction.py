"""A patient's manage token never reaches a log line, and no SQL error carries its values."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from booking.api.redaction import RedactTokens, redact
from booking.models import Location
from core.db import Database
from tests.servers import clinic, serving


def test_access_log_records_lose_the_token() -> None:
    token = secrets.token_urlsafe(32)
    # The shape of uvicorn's access record: the path is one of the arguments.
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/api/v1/manage/{token}/cancel?x=1", "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    line = record.getMessage()
    assert token not in line
    assert "/api/v1/manage/[redacted]/cancel?x=1" in line


def test_a_token_in_the_booking_pages_link_parameter_is_redacted() -> None:
    token = secrets.token_urlsafe(32)
    line = redact(f"/book/details?hold=1&link={token}&tz=UTC")
    assert line == "/book/details?hold=1&link=[redacted]&tz=UTC"
    assert redact("/book?type=1&blink=keep") == "/book?type=1&blink=keep"


@pytest.mark.parametrize("prefix", ["/api/v1/manage//", "/api/v1/manage/ ", "/API/V1/MANAGE/"])
def test_a_token_behind_a_doubled_slash_or_a_space_is_redacted_too(prefix: str) -> None:
    # The route still looks such a path up (a 404), but the token in it may be live.
    token = secrets.token_urlsafe(32)
    assert token not in redact(f"{prefix}{token}/cancel")
    assert redact(f"{prefix}{token}/cancel").endswith("[redacted]/cancel")


def test_a_served_manage_link_leaves_no_token_in_the_server_output(
    db_url: str, tmp_path: Path
) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    token = secrets.token_urlsafe(32)
    log = tmp_path / "serve.log"
    with serving(db_url, log=log, log_level="info") as base:
        assert httpx.get(f"{base}/api/v1/manage/{token}").status_code == 404
        assert httpx.post(f"{base}/api/v1/manage/{token}/cancel", json={}).status_code in (
            404,
            422,
        )
    output = log.read_text()
    assert "/api/v1/manage/[redacted]" in output  # the access log did run
    assert token not in output


def test_sql_errors_show_the_statement_but_not_its_values(database: Database) -> None:
    # PostgreSQL may still quote a failing row in its own message: ContainUnexpected is
    # what keeps exception text out of the logs (see test_problems).
    with pytest.raises(IntegrityError) as raised, database.engine.begin() as conn:
        conn.execute(insert(Location).values(name="Rivera clinic", timezone=None))
    message = str(raised.value)
    assert "INSERT INTO locations" in message
    assert "SQL parameters hidden" in message


@pytest.mark.parametrize(
    "path",
    ["/feeds/{t}.ics", "/feeds/{t}.ics?x=1", "//feeds/{t}.ics", "/FEEDS/{t}", "/feeds/a/{t}.ics"],
)
def test_a_feed_token_never_reaches_a_log_line(path: str) -> None:
    token = secrets.token_urlsafe(32)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path.format(t=token), "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert token not in record.getMessage()
    assert "/feeds/[redacted]" in record.getMessage() or "/FEEDS/[redacted]" in record.getMessage()


def test_the_staff_feed_routes_keep_their_ids_in_the_log() -> None:
    assert redact("/api/v1/feeds/1234/rotate") == "/api/v1/feeds/1234/rotate"
