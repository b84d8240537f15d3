"""SMS quiet hours in the recipient's zone: pure, wall-clock rules evaluated with zoneinfo.

A before-the-visit reminder due in quiet hours moves EARLIER (to the evening before) so it
still arrives ahead of the visit; after-care moves LATER (the next morning). Neither moves
to a moment that is no use: earlier than it was planned (the past), or later than its
deadline. Then it takes the other direction, and if neither fits there is no moment at all.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.rules import BEFORE_VISIT, TIME_CRITICAL, NoticeKind, QuietHours

ANSWERS_AT_ONCE = timedelta(minutes=15)


class Shift(enum.StrEnum):
    EARLIER = "earlier"
    LATER = "later"


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # A wall time a DST jump skips resolves with the offset before the jump (fold=0).
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def allowed(at: datetime, zone: ZoneInfo, hours: QuietHours) -> bool:
    wall = at.astimezone(zone).time().replace(tzinfo=None)
    return hours.start <= wall <= hours.end


def previous_allowed(at: datetime, zone: ZoneInfo, hours: QuietHours) -> datetime:
    """The latest allowed instant at or before ``at``."""
    if allowed(at, zone, hours):
        return at
    local = at.astimezone(zone)
    day = local.date() if local.time() > hours.end else local.date() - timedelta(days=1)
    return _at(day, hours.end, zone)


def next_allowed(at: datetime, zone: ZoneInfo, hours: QuietHours) -> datetime:
    """The earliest allowed instant at or after ``at``."""
    if allowed(at, zone, hours):
        return at
    local = at.astimezone(zone)
    day = local.date() if local.time() < hours.start else local.date() + timedelta(days=1)
    return _at(day, hours.start, zone)


def place(
    due: datetime,
    *,
    zone: ZoneInfo,
    hours: QuietHours,
    prefer: Shift,
    not_before: datetime,
    send_before: datetime | None,
) -> datetime | None:
    """When an SMS due at ``due`` may go: ``due`` itself outside quiet hours, else the nearest
    allowed moment in the preferred direction, else the other one; None when neither is
    within [not_before, send_before)."""
    due = max(due, not_before)
    if allowed(due, zone, hours):
        return due
    earlier = previous_allowed(due, zone, hours)
    later = next_allowed(due, zone, hours)
    options = (earlier, later) if prefer is Shift.EARLIER else (later, earlier)
    for moment in options:
        if moment >= not_before and (send_before is None or moment < send_before):
            return moment
    return None


def sms_moment(
    kind: NoticeKind,
    due: datetime,
    *,
    zone: str,
    hours: QuietHours,
    now: datetime,
    send_before: datetime | None,
) -> datetime | None:
    """When a notice of this kind may go by SMS: the rule planning and dispatch share."""
    if kind in TIME_CRITICAL and hours.exempt_time_critical:
        return max(due, now)
    if kind is NoticeKind.STAFF_REPLY:  # a person chose to send it now, overriding if need be
        return max(due, now)
    if kind is NoticeKind.CONFIRMATION and now - due < ANSWERS_AT_ONCE:
        # The answer to a booking made this minute: its maker is awake and waiting for it.
        # A confirmation held up longer (a provider outage) waits for the morning again.
        return max(due, now)
    prefer = Shift.EARLIER if kind in BEFORE_VISIT else Shift.LATER
    return place(
        due, zone=ZoneInfo(zone), hours=hours, prefer=prefer, not_before=now,
        send_before=send_before,
    )  # fmt: skip
