"""Delivery reports from the provider, applied to the notice they name.

Reports arrive repeated and out of order (Twilio retries, and ``sent`` may land after
``delivered``), so a report only ever moves a notice forward: ``sent`` to ``delivered`` or
to ``failed``; a delivered notice stays delivered and a failed one failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Notice, NoticeStatus

DELIVERED = frozenset({"delivered", "read"})
UNDELIVERED = frozenset({"undelivered", "failed"})


def next_status(current: NoticeStatus, reported: str) -> NoticeStatus | None:
    """Where a report moves a notice, or None (nothing to do). Pure."""
    if current is not NoticeStatus.SENT:
        return None
    if reported in DELIVERED:
        return NoticeStatus.DELIVERED
    if reported in UNDELIVERED:
        return NoticeStatus.FAILED
    return None  # queued, sending, sent, accepted: nothing new


def record_delivery(
    session: Session, *, provider_id: str, reported: str, error_code: str | None, now: datetime
) -> Notice | None:
    """Apply one report to the notice sent as ``provider_id``; the notice, if any."""
    notice = session.scalar(
        select(Notice).where(Notice.provider_id == provider_id).with_for_update()
    )
    if notice is None:
        return None
    status = next_status(notice.status, reported.strip().lower())
    if status is not None:
        notice.status = status
        notice.updated_at = now
        if status is NoticeStatus.FAILED:
            notice.reason = "undelivered"
            notice.last_error = (error_code or reported)[:64]
        session.flush()
    return notice
