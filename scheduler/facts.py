"""What the scheduler is told about an appointment: plain facts, no booking internals.

Booking builds one of these on every change. Every field past the first few has a default,
so a caller that knows less still plans (a patient with no channel is shown to staff).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime


class Change(enum.StrEnum):
    """What just happened to the appointment (the policy plans from it)."""

    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CORRECTED = "corrected"  # a check-in, discharge or no-show undone: back to ``status``


class ContactRestriction(enum.StrEnum):
    """The patient's confidential-communication request (mirrors booking's values)."""

    NONE = "none"
    EMAIL_ONLY = "email_only"
    SMS_ONLY = "sms_only"


@dataclass(frozen=True)
class AppointmentFacts:
    appointment_id: uuid.UUID
    change: Change
    status: str  # booked | checked_in | completed | cancelled | no_show
    kind: str  # consult | follow_up | iv_infusion | esketamine
    starts_at: datetime
    ends_at: datetime
    zone: str  # the location's IANA zone
    patient_id: uuid.UUID
    completed_at: datetime | None = None  # the real discharge time
    sequence: int = 0  # the appointment's, grows on every change
    cancelled_by_clinic: bool = False  # the clinic called it off (its cancellation wording)
    series_id: uuid.UUID | None = None
    series_starts: tuple[datetime, ...] = ()  # every session of the series, for one confirmation
    # The patient's channels and what they allow.
    patient_name: str = ""  # given name, for message bodies (never a subject)
    patient_phone: str | None = None  # E.164
    patient_email: str | None = None
    sms_consent: bool = False
    email_consent: bool = False
    contact_restriction: ContactRestriction = ContactRestriction.NONE
    no_escort_messages: bool = False
    patient_zone: str | None = None  # None: the location's zone
    escort_name: str | None = None
    escort_phone: str | None = None
    # What a message says about the visit.
    location_name: str = ""
    location_address: str = ""
    location_phone: str = ""
    clinician_name: str = ""
    visit_name: str = ""  # the patient-facing name, never the drug
    preparation: str = ""
    fast_food_minutes: int | None = None  # no solid food this long before the start
    fast_liquids_minutes: int | None = None  # nothing to drink this long before the start
    previous_starts_at: datetime | None = None  # a reschedule: the time it replaced
    manage_path: str | None = None


@dataclass(frozen=True)
class OfferFacts:
    """A freed slot offered to one waiting patient: what the offer's message may say and
    whom it may reach. Booking holds the slot and keeps the offer; the scheduler plans the
    one message, on the patient's consented channel, due as soon as that channel allows."""

    offer_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: datetime
    zone: str  # the location's IANA zone
    window_minutes: int  # how long the patient has once the message may go out
    offer_path: str  # "/offers/{token}": the secret link, shown only in this message
    patient_name: str = ""
    patient_phone: str | None = None
    patient_email: str | None = None
    sms_consent: bool = False
    email_consent: bool = False
    contact_restriction: ContactRestriction = ContactRestriction.NONE
    patient_zone: str | None = None
    location_name: str = ""
    location_address: str = ""
    location_phone: str = ""
    visit_name: str = ""  # the patient-facing name, never the drug
