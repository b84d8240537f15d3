"""Bookable appointment starts: a pure function of plain data (no database, no clock, no I/O).

Time model. Working hours are local wall-clock rules; everything else is real time. Each
working interval's wall-clock bounds become UTC instants once, and starts then step by real
elapsed minutes from the interval's start, so across a DST change no start falls in a skipped
hour, a repeated hour yields each real instant once, and session lengths are real minutes.

Wall-time bounds are resolved with PEP 495 ``fold`` (see ``plan.wall``): a bound inside a
spring-forward gap is read with the offset before the gap, i.e. it moves forward by the gap
(02:30 on 2026-03-08 in New York is 03:30 EDT); an ambiguous autumn bound is the first
occurrence for a start (fold=0) and the second for an end (fold=1), so an interval covers the
whole repeated hour.

Internally instants are int microseconds since the epoch: exact, and far cheaper to compare
and add than datetimes in the inner loop. Busy periods are indexed per resource, sorted, so
each test is a bisect instead of a scan.
"""

from booking.availability.engine import Start, find_slots, find_starts, fits, unworkable
from booking.availability.inputs import (
    AvailabilityQuery,
    Booking,
    BusySpans,
    ClinicianBusy,
    ClinicianMode,
    DayOverride,
    Period,
    Room,
    RoomBusy,
    Roster,
    Slot,
    StrandReason,
    TypeRules,
    WeeklyHours,
)

__all__ = [
    "AvailabilityQuery",
    "Booking",
    "BusySpans",
    "ClinicianBusy",
    "ClinicianMode",
    "DayOverride",
    "Period",
    "Room",
    "RoomBusy",
    "Roster",
    "Slot",
    "Start",
    "StrandReason",
    "TypeRules",
    "WeeklyHours",
    "find_slots",
    "find_starts",
    "fits",
    "unworkable",
]
