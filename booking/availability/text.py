"""Instants written as ISO 8601 text in one zone, as ``datetime.isoformat`` writes them.

A month of availability is hundreds of distinct instants; turning each into a datetime,
moving it to the zone and formatting it cost more than finding the slots. An offset holds
for whole UTC days but the rare day of a change, so whole seconds are written by hand from
the day's offset, and anything else (that day, a fraction of a second) by ``isoformat``.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from booking.availability.plan import MICROSECOND, instant

_SECOND = 1_000_000
_DAY = 86_400 * _SECOND
_UNIX_DAY_ZERO = date(1970, 1, 1).toordinal()
_UNKNOWN = (0, "")


class LocalText:
    """``instant(value).astimezone(zone).isoformat()`` for µs instants, remembered."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._texts: dict[int, str] = {}
        self._offsets: dict[int, tuple[int, str] | None] = {}  # UTC day -> (µs, "+hh:mm")
        self._dates: dict[int, str] = {}  # local day -> "YYYY-MM-DD"

    def __call__(self, value: int) -> str:
        found = self._texts.get(value)
        if found is None:
            found = self._texts[value] = self._write(value)
        return found

    def _write(self, value: int) -> str:
        offset = self._offset(value // _DAY) if value % _SECOND == 0 else None
        if offset is None:
            return instant(value).astimezone(self.zone).isoformat()
        shift, suffix = offset
        seconds = (value + shift) // _SECOND
        day, second = divmod(seconds, 86_400)
        on = self._dates.get(day)
        if on is None:
            on = self._dates[day] = date.fromordinal(_UNIX_DAY_ZERO + day).isoformat()
        hours, rest = divmod(second, 3600)
        return f"{on}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{suffix}"

    def _offset(self, day: int) -> tuple[int, str] | None:
        """The zone's offset over the whole UTC day, or None if it changes that day (the
        same offset at both ends: zones change at most once a day)."""
        found = self._offsets.get(day, _UNKNOWN)
        if found is _UNKNOWN:
            first = instant(day * _DAY).astimezone(self.zone)
            last = instant((day + 1) * _DAY - 1).astimezone(self.zone)
            shift = first.utcoffset()
            if shift is None or shift != last.utcoffset():
                found = None
            else:  # the offset as isoformat writes it: what follows "YYYY-MM-DDTHH:MM:SS"
                found = (shift // MICROSECOND, first.replace(microsecond=0).isoformat()[19:])
            self._offsets[day] = found
        return found
