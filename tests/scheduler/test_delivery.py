"""Delivery reports only move a notice forward."""

from __future__ import annotations

import pytest

from scheduler.delivery import next_status
from scheduler.models import NoticeStatus as S


@pytest.mark.parametrize(
    ("current", "reported", "after"),
    [
        (S.SENT, "delivered", S.DELIVERED),
        (S.SENT, "read", S.DELIVERED),
        (S.SENT, "undelivered", S.FAILED),
        (S.SENT, "failed", S.FAILED),
        (S.SENT, "sent", None),
        (S.SENT, "queued", None),
        (S.DELIVERED, "sent", None),  # late and out of order: delivered stays delivered
        (S.DELIVERED, "failed", None),
        (S.DELIVERED, "delivered", None),  # repeated
        (S.FAILED, "delivered", None),
        (S.PENDING, "delivered", None),  # never claimed: not ours to move
        (S.WITHDRAWN, "delivered", None),
    ],
)
def test_next_status(current: S, reported: str, after: S | None) -> None:
    assert next_status(current, reported) is after
