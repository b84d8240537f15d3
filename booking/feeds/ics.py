"""A calendar feed's text, built from plain data (no database, no clock).

Each event is written once into its own text fragment and kept, keyed by everything it
says (a changed appointment is a new key, so a fragment is never stale); a feed is its
header, one VTIMEZONE per zone used (from ``icalendar``, covering the whole window) and
the fragments joined. That is what keeps a feed of thousands of events far cheaper than
building and serializing the same events as ``icalendar`` objects.

Every text value goes through ``icalendar``'s TEXT escaping (backslash, semicolon, comma,
CR and LF), after control characters are dropped, so no value can end its line and start
a property of its own; long lines are folded at 75 octets without splitting a character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, vText

PRODID = "-//clinic//calendar feeds//EN"
CRLF = "\r\n"
# C0 controls but TAB, CR and LF (which escaping turns into "\n"), DEL, and the Unicode line
# and paragraph separators some parsers also break lines on.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
# A URI has no escaping: anything that could end its line, or is not a URI, is dropped.
_NOT_URI = re.compile(r"[\x00-\x20\x7f\u2028\u2029]")


@dataclass(frozen=True)
class TimedEvent:
    """An appointment or a busy block (time off, a closure)."""

    uid: str
    starts_at: datetime  # aware
    ends_at: datetime
    zone: str  # IANA name: DTSTART and DTEND are written in it
    stamp: datetime  # the last change: DTSTAMP and LAST-MODIFIED
    sequence: int
    summary: str
    location: str = ""
    url: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class AllDayItem:
    """A date without a time (a form due that day): shown on the day, never busy."""

    uid: str
    day: date
    stamp: datetime
    summary: str
    url: str | None = None


@dataclass(frozen=True)
class FeedHead:
    name: str
    refresh: timedelta  # REFRESH-INTERVAL and X-PUBLISHED-TTL
    first_day: date  # the window, which every VTIMEZONE covers
    last_day: date
    zone: str | None = None  # X-WR-TIMEZONE, for apps that read no VTIMEZONE (Google)


_SPECIAL = re.compile(r"[\\;,\r\n]")


def text(value: str) -> str:
    """``value`` as an escaped TEXT value (icalendar's ``vText`` escaping, which the common
    case, a value with nothing to escape, skips)."""
    value = _CONTROLS.sub("", value)
    if _SPECIAL.search(value) is None:
        return value
    if "\\" in value or "\r" in value or "\n" in value:
        return str(vText(value).to_ical().decode())
    return value.replace(";", "\\;").replace(",", "\\,")  # what vText does to these alone


def _wall(moment: datetime) -> str:
    """YYYYMMDDTHHMMSS, as strftime writes it, at a fraction of its cost."""
    return moment.isoformat()[:19].replace("-", "").replace(":", "")


def fold(line: str) -> str:
    """``line`` folded into pieces of at most 75 octets, never inside a character, and never
    right after a backslash (some readers would see an escape cut in two)."""
    if len(line) <= 75 and line.isascii():
        return line
    data = line.encode()
    if len(data) <= 75:
        return line
    pieces, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while end > start and (data[end] & 0xC0) == 0x80:  # inside a UTF-8 sequence
            end -= 1
        slashes = len(data[start:end]) - len(data[start:end].rstrip(b"\\"))
        if slashes % 2 and end - 1 > start:  # an escape and what it escapes stay together
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode()


def _line(name: str, value: str) -> str:
    return fold(f"{name}:{value}") + CRLF


@lru_cache(maxsize=65_536)
def text_line(name: str, value: str) -> str:
    """A TEXT property's line. Kept: titles and places repeat across thousands of events."""
    return _line(name, text(value))


def _utc(moment: datetime) -> str:
    return _wall(moment.astimezone(UTC)) + "Z"


def _duration(span: timedelta) -> str:
    minutes = max(1, int(span.total_seconds() // 60))
    return f"PT{minutes}M"


def _when(name: str, moment: datetime, tz: ZoneInfo) -> str:
    """``moment`` as local time in ``zone``, or in UTC when that local time happens twice
    (the hour after a fall-back). RFC 5545 says a TZID time then names the first one, but
    parsers differ (ical.js and icalendar disagree): UTC is read alike by all."""
    local = moment.astimezone(tz)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return f"{name}:{_utc(moment)}{CRLF}"
    return f"{name};TZID={tz.key}:{_wall(local)}{CRLF}"


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def timed_text(event: TimedEvent) -> str:
    """``event``'s text, kept (busy blocks: few, and read on every build)."""
    return write_timed(event)


def write_timed(event: TimedEvent) -> str:
    tz = zone_info(event.zone)
    stamp = _utc(event.stamp)
    parts = [
        "BEGIN:VEVENT" + CRLF,
        _line("UID", text(event.uid)),
        f"DTSTAMP:{stamp}{CRLF}LAST-MODIFIED:{stamp}{CRLF}SEQUENCE:{event.sequence}{CRLF}",
        _when("DTSTART", event.starts_at, tz),
        _when("DTEND", event.ends_at, tz),
        text_line("SUMMARY", event.summary),
    ]
    if event.location:
        parts.append(text_line("LOCATION", event.location))
    if event.url:
        parts.append(_line("URL;VALUE=URI", _NOT_URI.sub("", event.url)))
        parts.append(_line("DESCRIPTION", text(event.url)))
    status, transp = ("CANCELLED", "TRANSPARENT") if event.cancelled else ("CONFIRMED", "OPAQUE")
    parts.append(f"STATUS:{status}{CRLF}TRANSP:{transp}{CRLF}CLASS:PRIVATE{CRLF}END:VEVENT{CRLF}")
    return "".join(parts)


@lru_cache(maxsize=100_000)
def all_day_text(item: AllDayItem) -> str:
    stamp = _utc(item.stamp)
    parts = [
        "BEGIN:VEVENT" + CRLF,
        _line("UID", text(item.uid)),
        f"DTSTAMP:{stamp}{CRLF}LAST-MODIFIED:{stamp}{CRLF}SEQUENCE:0{CRLF}",
        f"DTSTART;VALUE=DATE:{item.day.strftime('%Y%m%d')}{CRLF}",
        f"DTEND;VALUE=DATE:{(item.day + timedelta(days=1)).strftime('%Y%m%d')}{CRLF}",
        _line("SUMMARY", text(item.summary)),
    ]
    if item.url:
        parts.append(_line("URL;VALUE=URI", _NOT_URI.sub("", item.url)))
        parts.append(_line("DESCRIPTION", text(item.url)))
    parts.append(f"TRANSP:TRANSPARENT{CRLF}CLASS:PRIVATE{CRLF}END:VEVENT{CRLF}")
    return "".join(parts)


@lru_cache(maxsize=256)
def timezone_text(zone: str, first_year: int, last_year: int) -> str:
    """The zone's VTIMEZONE from the start of ``first_year`` to the end of ``last_year``
    (whole years, so one block serves every feed for a whole day and more)."""
    block = Timezone.from_tzid(
        zone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
    return one_rdate_a_line(block.to_ical().decode())


def one_rdate_a_line(ical: str) -> str:
    """``ical`` (unfolded) with each RDATE value on a line of its own."""
    unfolded = ical.replace(CRLF + " ", "")
    return "".join(_one_rdate_a_line(line) for line in unfolded.splitlines())


def _one_rdate_a_line(line: str) -> str:
    # icalendar lists a zone's changes in one RDATE; ical.js (and others) read only the
    # first value of each RDATE line, so every later change would be missed.
    if line.startswith("RDATE:"):
        return "".join(f"RDATE:{value}{CRLF}" for value in line[6:].split(","))
    return line + CRLF


def head_text(head: FeedHead) -> str:
    refresh = _duration(head.refresh)
    parts = [
        f"BEGIN:VCALENDAR{CRLF}VERSION:2.0{CRLF}PRODID:{PRODID}{CRLF}CALSCALE:GREGORIAN{CRLF}",
        f"METHOD:PUBLISH{CRLF}",
        _line("NAME", text(head.name)),
        _line("X-WR-CALNAME", text(head.name)),
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}{CRLF}X-PUBLISHED-TTL:{refresh}{CRLF}",
    ]
    if head.zone:
        parts.append(_line("X-WR-TIMEZONE", text(head.zone)))
    return "".join(parts)


def calendar(
    head: FeedHead, events: Iterable[TimedEvent], items: Iterable[AllDayItem] = ()
) -> bytes:
    """The whole feed, as UTF-8 bytes with CRLF line ends."""
    events = list(events)
    texts = [timed_text(event) for event in events] + [all_day_text(item) for item in items]
    return assemble(head, {event.zone for event in events}, texts)


def assemble(head: FeedHead, zones: set[str], texts: list[str]) -> bytes:
    """The feed from its events' texts and the zones they use."""
    used = sorted(zones | ({head.zone} if head.zone else set()))
    # A year of margin on both sides: an event that starts inside the window may end after it.
    first, last = head.first_day.year - 1, head.last_day.year + 1
    parts = [head_text(head), *(timezone_text(zone, first, last) for zone in used), *texts]
    parts.append("END:VCALENDAR" + CRLF)
    return "".join(parts).encode()
