"""The calendar invite an email carries (iTIP: ``METHOD:REQUEST``, ``METHOD:CANCEL``).

One UID per appointment for its whole life, a SEQUENCE that grows on every change, times
in the location's zone with its VTIMEZONE, and a title that names neither drug nor treatment.
A series' one confirmation carries one VEVENT per session (each its own UID and SEQUENCE),
so a later change or cancel of one session updates just that event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from notifications.channels.base import Invite
from notifications.privacy import forbidden_terms_in, redact

PRODID = "-//clinic//appointments//EN"


class InviteMethod(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class InviteDetails:
    uid: str  # stable for the appointment (e.g. "<appointment id>@<clinic host>")
    sequence: int  # the caller's count of changes; a cancel is higher than the last request
    starts_at: datetime  # aware
    ends_at: datetime
    zone: str  # IANA name: the location's zone
    stamp: datetime  # DTSTAMP: when this version was made (the caller's clock)
    clinic_name: str
    organizer_email: str
    attendee_email: str
    location: str
    attendee_name: str | None = None
    manage_url: str | None = None


def summary(clinic_name: str) -> str:
    """The event's title: where, never what ("Appointment at Riverside Wellness")."""
    return f"Appointment at {redact(clinic_name) or 'the clinic'}"


def build_invite(details: InviteDetails, method: InviteMethod, *more: InviteDetails) -> Invite:
    """One invite for ``details`` and any ``more`` events (a series' other sessions)."""
    events = (details, *more)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    calendar.add("calscale", "GREGORIAN")
    for each in events:
        calendar.add_component(_event(each, method, ZoneInfo(each.zone)))
    # The zone's rules around the events only: the default range (1970-2038) is 5 kB of RDATEs.
    calendar.add_missing_timezones(
        first_date=date(min(e.starts_at for e in events).year - 1, 1, 1),
        last_date=date(max(e.ends_at for e in events).year + 2, 1, 1),
    )
    return Invite(ics=calendar.to_ical(), method=method.value)


def _event(details: InviteDetails, method: InviteMethod, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", details.uid)
    event.add("sequence", details.sequence)
    event.add("dtstamp", details.stamp)
    event.add("dtstart", details.starts_at.astimezone(zone))
    event.add("dtend", details.ends_at.astimezone(zone))
    event.add("summary", summary(details.clinic_name))
    event.add("location", redact(details.location))
    cancelled = method is InviteMethod.CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if details.manage_url and not forbidden_terms_in(details.manage_url):
        event.add("description", vText(f"Manage your appointment: {details.manage_url}"))
    organizer = vCalAddress(f"mailto:{details.organizer_email}")
    organizer.params["CN"] = vText(redact(details.clinic_name) or "Clinic")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{details.attendee_email}")
    attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
    attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
    attendee.params["RSVP"] = vText("FALSE")
    if details.attendee_name:
        attendee.params["CN"] = vText(details.attendee_name)
    event.add("attendee", attendee)
    return event
