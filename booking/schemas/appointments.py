"""Holds, bookings, lifecycle actions and availability answers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Self

from pydantic import Field, model_validator

from booking.models import AppointmentStatus, ContactRestriction, WaitlistStatus
from booking.schemas.fields import (
    CalendarDate,
    Instant,
    LocalTimes,
    Name,
    OutSchema,
    PhoneNumber,
    Schema,
    UtcDatetime,
)
from booking.schemas.patients import PatientIn


class SlotOut(OutSchema):
    starts_at: Instant
    ends_at: Instant
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None


class AvailabilityOut(OutSchema):
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    timezone: str
    slots: list[SlotOut]


class WhereAndWhen(Schema):
    appointment_type_id: uuid.UUID
    starts_at: UtcDatetime
    location_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None


class HoldIn(WhereAndWhen):
    pass


class HoldOut(LocalTimes):
    id: uuid.UUID
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None
    starts_at: Instant
    ends_at: Instant
    expires_at: Instant


class EscortIn(Schema):
    name: Name
    phone: PhoneNumber


class BookingIn(Schema):
    """Book from a hold, or directly by type and start; for a known or a new patient."""

    hold_id: uuid.UUID | None = None
    appointment_type_id: uuid.UUID | None = None
    starts_at: UtcDatetime | None = None
    location_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    patient: PatientIn | None = None
    manage_token: str | None = Field(
        default=None, max_length=1000,  # no tighter: a length rule would describe real tokens
        description="a patient booking a visit that follows an earlier one (a follow-up): "
        "the token of one of their appointment links, which says who they are",
    )  # fmt: skip
    escort: EscortIn | None = None
    gate_override_reason: str | None = Field(default=None, min_length=5, max_length=500)

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        if self.hold_id is None and (self.appointment_type_id is None or self.starts_at is None):
            raise ValueError("give hold_id, or appointment_type_id and starts_at")
        given = [self.patient_id, self.patient, self.manage_token]
        if sum(value is not None for value in given) != 1:
            raise ValueError("give exactly one of patient_id, patient and manage_token")
        return self


class PatientAppointmentOut(LocalTimes):
    """What the patient sees of their own appointment: no staff notes, no record ids."""

    id: uuid.UUID
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None
    series_id: uuid.UUID | None
    starts_at: Instant
    ends_at: Instant
    status: AppointmentStatus
    sequence: int  # bumped by every change
    escort_name: str | None
    escort_phone: str | None
    cancelled_at: Instant | None
    late_cancel: bool


class AppointmentOut(PatientAppointmentOut):
    """The staff view: the patient's, plus the record and the desk's notes."""

    patient_id: uuid.UUID
    gate_override_reason: str | None
    checked_in_at: Instant | None
    completed_at: Instant | None
    cancel_reason: str | None
    attendance_confirmed_at: Instant | None  # the patient replied C / CONFIRM / YES
    ride_confirmed_at: Instant | None  # the patient or the escort did, for a visit with a ride


class AppointmentDetailOut(AppointmentOut):
    """One appointment as staff open it: the record, and whom the clinic may text or email
    about it now (the patient's consent and opt-out, the escort number's opt-out), beside
    what they answered (``attendance_confirmed_at``, ``ride_confirmed_at``)."""

    ride_needed: bool = Field(
        description="a treatment (or a visit with an escort named): its ride is confirmed by "
        "the patient's or the escort's reply"
    )
    patient_sms_consent_at: Instant | None = Field(
        description="the patient consented to texts (null: never given, or a STOP withdrew it)"
    )
    patient_sms_opted_out_at: Instant | None = Field(
        description="the patient's number replied STOP at this moment and has not opted back "
        "in: nothing is texted to it"
    )
    patient_email_consent_at: Instant | None
    contact_restriction: ContactRestriction
    no_escort_messages: bool = Field(description="the patient asked that the escort not be told")
    escort_sms_opted_out_at: Instant | None = Field(
        description="the escort's number replied STOP at this moment: no escort texts to it"
    )


class ManageLink(OutSchema):
    manage_token: str = Field(description="shown once: the patient's secret manage link")
    manage_url: str


class PatientBookedOut(ManageLink):
    """The answer to a patient booking online."""

    appointment: PatientAppointmentOut


class BookedOut(ManageLink):
    """The answer to a staff booking: the whole appointment."""

    appointment: AppointmentOut


class RescheduleIn(Schema):
    starts_at: UtcDatetime
    clinician_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None


class RescheduleOut(AppointmentOut):
    """The moved appointment; it keeps its chair unless that chair is busy at the new time."""

    room_changed: bool = Field(description="the chair (room) is not the one it had")
    previous_room_id: uuid.UUID | None


class PatientCancelIn(Schema):
    reason: str = Field(default="", max_length=500)


class CancelIn(PatientCancelIn):
    by_clinic: bool = Field(
        default=False,
        description="the clinic called it off, so it is never the patient's late cancellation",
    )


class CompleteIn(Schema):
    discharged_at: UtcDatetime | None = Field(
        default=None, description="the real discharge time; defaults to now"
    )


class UndoIn(Schema):
    reason: str = Field(min_length=3, max_length=500, description="why it was a mistake")


class SessionOverride(Schema):
    """One session placed otherwise: an alternative a 409 ``series_conflict`` proposed."""

    index: int = Field(ge=0, le=29, description="the session's index in the conflict")
    starts_at: UtcDatetime
    clinician_id: uuid.UUID | None = Field(default=None, description="default: the series'")
    room_id: uuid.UUID | None = Field(default=None, description="default: the series'")


class SeriesIn(Schema):
    """An induction booked as one unit: every session or none."""

    protocol: str = Field(description="iv_induction, esketamine_induction or custom")
    appointment_type_id: uuid.UUID
    patient_id: uuid.UUID
    first_starts_at: UtcDatetime | None = None
    starts: list[UtcDatetime] | None = Field(
        default=None, max_length=30, description="custom protocol: every session's start"
    )
    min_gap_hours: int | None = Field(default=None, ge=0, le=24 * 14)
    location_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    escort: EscortIn | None = None
    gate_override_reason: str | None = Field(default=None, min_length=5, max_length=500)
    overrides: list[SessionOverride] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if len({o.index for o in self.overrides}) < len(self.overrides):
            raise ValueError("override each session at most once")
        if self.protocol == "custom":
            if not self.starts:
                raise ValueError("a custom series lists its starts")
        elif self.first_starts_at is None:
            raise ValueError("give first_starts_at for a protocol series")
        return self


class SeriesPreviewOut(OutSchema):
    """The sessions a series would book, checked and placed; nothing is booked yet."""

    protocol: str
    min_gap_hours: int
    timezone: str
    sessions: list[SlotOut]


class SessionLink(ManageLink):
    appointment_id: uuid.UUID


class SeriesOut(OutSchema):
    id: uuid.UUID
    protocol: str
    min_gap_hours: int
    appointments: list[AppointmentOut]
    manage_links: list[SessionLink] = Field(
        default_factory=list, description="shown once: each session's own manage link"
    )


class WaitlistIn(Schema):
    patient_id: uuid.UUID
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    earliest: CalendarDate
    latest: CalendarDate
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.latest < self.earliest:
            raise ValueError("latest must not be before earliest")
        return self


class WaitlistOut(LocalTimes):
    id: uuid.UUID
    patient_id: uuid.UUID
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    clinician_id: uuid.UUID | None
    earliest: date
    latest: date
    status: WaitlistStatus
    note: str
    matched_at: Instant | None
    matched_starts_at: Instant | None
    matched_clinician_id: uuid.UUID | None
    offer_status: str | None = Field(
        default=None, description="the latest offer: offered, accepted, declined or expired"
    )
    offered_at: Instant | None = None
    offer_expires_at: Instant | None = Field(
        default=None, description="the slot is held for the patient until then"
    )
    offer_channel: str | None = Field(
        default=None, description="sms or email; null: no consented channel, call the patient"
    )
