"""What a notice is about and what its text may use: plain data the scheduler fills in."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from notifications.channels.base import Invite


class NoticeTemplate(enum.StrEnum):
    """Every message DOMAIN.md asks for ("Reminders", "After a treatment")."""

    CONFIRMATION = "confirmation"  # one per booking; a series' one lists its sessions
    REMINDER_7D = "reminder_7d"
    REMINDER_72H = "reminder_72h"  # a treatment's carries preparation and fasting (email body)
    REMINDER_24H = "reminder_24h"  # confirm attendance and the ride: reply C or R
    REMINDER_2H = "reminder_2h"
    PICKUP_SOON = "pickup_soon"  # escort, ahead of the expected end
    READY_FOR_PICKUP = "ready_for_pickup"  # escort, at discharge
    AFTERCARE = "aftercare"  # patient, at discharge
    NEXT_DAY_CHECKIN = "next_day_checkin"
    CANCELLATION = "cancellation"
    RESCHEDULED = "rescheduled"
    WAITLIST_OFFER = "waitlist_offer"  # a freed slot, held until ``held_until``


class Audience(enum.StrEnum):
    PATIENT = "patient"
    ESCORT = "escort"


class CancelledBy(enum.StrEnum):
    PATIENT = "patient"
    CLINIC = "clinic"


@dataclass(frozen=True)
class MessageContext:
    """What a message may say. Times are already strings in the recipient's zone
    (``"Fri 27 Nov, 9:00 AM EST"``); ``visit_name`` is the patient-facing, neutral name."""

    clinic_name: str
    clinic_phone: str
    location_name: str
    location_address: str
    starts_at: str
    visit_name: str
    manage_url: str
    ends_at: str | None = None  # the expected end: the escort's pickup time
    patient_first_name: str | None = None  # email bodies and the escort's messages only
    escort_name: str | None = None
    preparation: str | None = None  # email body only
    fasting: tuple[str, ...] = ()  # "No solid food after 3:00 AM", email body only
    series_sessions: tuple[str, ...] = ()  # a series' confirmation lists them
    previous_starts_at: str | None = None  # a reschedule says what it replaced
    cancelled_by: CancelledBy = CancelledBy.PATIENT
    first_sms: bool = False  # the first text to this number carries the consent wording
    messages_per_visit: int = 4  # the frequency the consent wording names
    held_until: str | None = None  # a waitlist offer: "3:40 PM EST", when the hold ends


@dataclass(frozen=True)
class Rendered:
    text: str  # the SMS, or the email's plain-text part
    subject: str | None = None  # email only
    html: str | None = None  # email only
    invite: Invite | None = None  # email only: the calendar invite it carries
