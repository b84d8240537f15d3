"""Template filters: phone numbers, dates and times in the clinic's plain words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from jinja2 import Environment


def phone(number: str | None) -> str:
    """+16175550100 -> (617) 555-0100; anything unparsable is shown as stored."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def tel(number: str | None) -> str:
    """The href of a phone link."""
    return "tel:" + "".join(c for c in (number or "") if c.isdigit() or c == "+")


def clock_time(moment: datetime, zone: str | None = None) -> str:
    """9:30 AM (in ``zone`` when given, else the moment's own offset)."""
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment
    return local.strftime("%I:%M %p").lstrip("0")


def day(value: date | datetime, zone: str | None = None) -> str:
    """Thursday 26 November 2026."""
    if isinstance(value, datetime) and zone:
        value = value.astimezone(ZoneInfo(zone))
    return f"{value:%A} {value.day} {value:%B %Y}"


def when(moment: datetime, zone: str | None = None) -> str:
    """Thursday 26 November 2026 at 9:30 AM."""
    return f"{day(moment, zone)} at {clock_time(moment, zone)}"


def install(env: Environment) -> None:
    env.filters.update(phone=phone, tel=tel, clock_time=clock_time, day=day, when=when)
