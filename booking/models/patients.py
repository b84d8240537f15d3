"""Patients, their contact consent and the clinical gates staff record."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from booking.models.setup import str_enum
from core.db import Base, IdMixin
from notifications.models import SmsOptOut


class ContactRestriction(enum.StrEnum):
    """A patient's request for confidential communication (HIPAA's "alternative means")."""

    NONE = "none"
    EMAIL_ONLY = "email_only"
    SMS_ONLY = "sms_only"


class Patient(IdMixin, Base):
    __tablename__ = "patients"
    __table_args__ = (Index(None, "date_of_birth", "family_name"),)

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Consent is a moment, not a flag: NULL means not given (never pre-ticked).
    sms_consent_at: Mapped[datetime | None]
    email_consent_at: Mapped[datetime | None]
    contact_restriction: Mapped[ContactRestriction] = mapped_column(
        str_enum(ContactRestriction, "contact_restriction"), default=ContactRestriction.NONE
    )
    no_escort_messages: Mapped[bool] = mapped_column(default=False)
    # Since when the patient's number is in the opt-out registry (it replied STOP): read with
    # the patient, so every view of them shows it (one indexed lookup on a unique column).
    sms_opted_out_at: Mapped[datetime | None] = column_property(
        select(SmsOptOut.opted_out_at)
        .where(SmsOptOut.phone == phone)
        .correlate_except(SmsOptOut)
        .scalar_subquery()
    )
    consult_completed_at: Mapped[datetime | None]
    consent_signed_at: Mapped[datetime | None]
    rems_enrolled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
