"""Patients: identity, contact, consent, confidential communication, clinical gates."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Self

from pydantic import Field, model_validator

from booking.models import ContactRestriction
from booking.schemas.fields import (
    CalendarDate,
    Email,
    Instant,
    OutSchema,
    PatchSchema,
    PhoneNumber,
    Schema,
    TimeZoneName,
    UtcDatetime,
)

PersonName = str


class PatientFields(Schema):
    given_name: PersonName = Field(min_length=1, max_length=100)
    family_name: PersonName = Field(min_length=1, max_length=100)
    date_of_birth: CalendarDate
    phone: PhoneNumber | None = None
    email: Email | None = None
    timezone: TimeZoneName | None = None
    # Never pre-ticked: consent must be asked for and given explicitly.
    sms_consent: bool = False
    email_consent: bool = False
    contact_restriction: ContactRestriction = ContactRestriction.NONE
    no_escort_messages: bool = False

    @model_validator(mode="after")
    def _contact_consistent(self) -> Self:
        if self.sms_consent and not self.phone:
            raise ValueError("SMS consent needs a phone number")
        if self.email_consent and not self.email:
            raise ValueError("email consent needs an email address")
        if self.contact_restriction is ContactRestriction.SMS_ONLY and not self.phone:
            raise ValueError("'sms_only' needs a phone number")
        if self.contact_restriction is ContactRestriction.EMAIL_ONLY and not self.email:
            raise ValueError("'email_only' needs an email address")
        return self


class PatientIn(PatientFields):
    pass


class PatientPatch(PatchSchema):
    NULLABLE = frozenset({"phone", "email", "timezone"})  # null clears them

    given_name: PersonName | None = Field(default=None, min_length=1, max_length=100)
    family_name: PersonName | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: CalendarDate | None = None
    phone: PhoneNumber | None = None
    email: Email | None = None
    timezone: TimeZoneName | None = None
    sms_consent: bool | None = None
    email_consent: bool | None = None
    contact_restriction: ContactRestriction | None = None
    no_escort_messages: bool | None = None


class PatientOut(OutSchema):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None
    email: str | None
    timezone: str | None
    sms_consent_at: Instant | None = Field(
        description="consent to texts (null: never given, or a STOP withdrew it)"
    )
    sms_opted_out_at: Instant | None = Field(
        description="the patient's number replied STOP at this moment and has not texted START "
        "since: nothing is texted to it, whatever consent staff record"
    )
    email_consent_at: Instant | None
    contact_restriction: ContactRestriction
    no_escort_messages: bool
    consult_completed_at: Instant | None
    consent_signed_at: Instant | None
    rems_enrolled_at: Instant | None
    created_at: Instant


class Gate(enum.StrEnum):
    CONSULT_COMPLETED = "consult_completed"
    CONSENT_SIGNED = "consent_signed"
    REMS_ENROLLED = "rems_enrolled"


class GateIn(Schema):
    """Record (or withdraw) a clinical gate; ``at`` defaults to now and may not be in the future."""

    gate: Gate
    done: bool = True
    at: UtcDatetime | None = None
    reason: str = Field(default="", max_length=500)


class PossibleDuplicate(OutSchema):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date
