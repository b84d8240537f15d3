from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FrozenClock, SystemClock, as_utc
from core.tokens import hash_token, new_token


def test_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York")))
    assert clock.now() == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2026, 1, 1))


def test_tokens_are_random_and_stored_as_a_hash() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    digest = hash_token(token)
    assert digest != token
    assert len(digest) == 64
    assert hash_token(token) == digest
