"""Induction protocols: the dates a series proposes and the spacing it must keep (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Protocol:
    name: str
    day_offsets: tuple[int, ...]  # from the first session, in local calendar days
    min_gap_hours: int


PROTOCOLS = {
    # Six infusions over two weeks, three a week (e.g. Mon/Wed/Fri), 48 h apart at least.
    "iv_induction": Protocol("iv_induction", (0, 2, 4, 7, 9, 11), 48),
    # Twice weekly for weeks 1-4, weekly for weeks 5-8.
    "esketamine_induction": Protocol(
        "esketamine_induction", (0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49), 48
    ),
}


def proposed_starts(
    protocol: Protocol, first: datetime, zone: ZoneInfo, min_gap_hours: int
) -> list[datetime]:
    """Same local time of day on each protocol day, whatever the UTC offset does meanwhile,
    except where only the clock change would break the minimum gap: across a spring-forward
    night two days are 47 real hours, so that session moves later by the hour (the gap is
    clinical). A gap the protocol's days cannot keep is left for ``spacing_problems``."""
    local = first.astimezone(zone)
    gap = timedelta(hours=min_gap_hours)
    starts: list[datetime] = []
    planned: list[datetime] = []  # each session's own wall time, before any absorbing
    for offset in protocol.day_offsets:
        wall = datetime.combine(local.date() + timedelta(days=offset), local.time(), zone)
        # A wall time inside a spring-forward gap is moved forward by the gap, as clocks are.
        start = wall.astimezone(UTC).astimezone(zone).astimezone(UTC)
        # Measured from the session before as planned, so a session moved later to absorb
        # the change moves the next one too when only that move would break its gap.
        if planned and start - starts[-1] < gap <= _on_the_clock(planned[-1], start, zone):
            start = starts[-1] + gap  # short only by the clock change: absorb it
        planned.append(wall)
        starts.append(start)
    return starts


def _on_the_clock(earlier: datetime, later: datetime, zone: ZoneInfo) -> timedelta:
    """The time between two instants as the wall clock shows it (no DST change counted)."""
    wall = [moment.astimezone(zone).replace(tzinfo=None) for moment in (earlier, later)]
    return wall[1] - wall[0]


def spacing_problems(starts: Sequence[datetime], min_gap_hours: int) -> list[int]:
    """Indexes (in time order) of sessions closer than the minimum gap to the one before."""
    return _too_close(starts, timedelta(hours=min_gap_hours))


def overlapping(starts: Sequence[datetime], session: timedelta) -> list[int]:
    """Indexes (in time order) of sessions that would start before the one before ends."""
    return _too_close(starts, session)


def _too_close(starts: Sequence[datetime], gap: timedelta) -> list[int]:
    ordered = sorted(starts)
    return [i for i in range(1, len(ordered)) if ordered[i] - ordered[i - 1] < gap]


def keeps_spacing(candidate: datetime, others: Sequence[datetime], min_gap_hours: int) -> bool:
    gap = timedelta(hours=min_gap_hours)
    return all(abs(candidate - other) >= gap for other in others)
