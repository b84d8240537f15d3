"""What a patient sees through their manage link, and the public clinic information a
booking page shows: names, places and times a person reads, never a record id (except the
type and location ids a booking page passes to availability) or a staff note."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from booking.models import AppointmentStatus
from booking.schemas.fields import OutSchema


class PlaceOut(OutSchema):
    name: str
    address: str
    phone: str | None
    timezone: str


class VisitOut(OutSchema):
    name: str = Field(description="the visit's patient-facing name")
    description: str
    preparation: str = Field(description="the clinic's instructions before this visit")
    no_food_after: datetime | None = Field(description="fasting: no solid food from then on")
    no_liquids_after: datetime | None = Field(description="fasting: nothing to drink from then")


class RescheduleRule(OutSchema):
    allowed: bool = Field(description="whether this link can move the visit now")
    until: datetime | None = Field(description="the last moment this link can move it")
    note: str = Field(description="when it cannot: why, and who to call")


class CancelRule(OutSchema):
    allowed: bool = Field(description="whether this link can cancel the visit now")
    until: datetime | None = Field(description="cancelling here is possible until the start")
    late_after: datetime | None = Field(description="a cancel after this counts as late")
    late_cancel_hours: int


class ManageView(OutSchema):
    """The patient's own appointment, every time in the location's zone."""

    clinic: str
    location: PlaceOut
    visit: VisitOut
    clinician: str = Field(description="the clinician's display name")
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: AppointmentStatus
    escort_name: str | None
    escort_phone: str | None
    cancelled_at: datetime | None
    late_cancel: bool
    reschedule: RescheduleRule
    cancel: CancelRule
    link_expires_at: datetime = Field(description="this link stops working then")


class PublicLocation(PlaceOut):
    id: uuid.UUID


class PublicType(OutSchema):
    id: uuid.UUID
    name: str
    minutes: int = Field(description="how long the visit lasts")
    description: str
    location_ids: list[uuid.UUID] = Field(description="where it can be booked")
    clinicians: list[str] = Field(description="display names of who can see the patient")


class ClinicOut(OutSchema):
    """The booking page's public information: what can be booked online, where, with whom."""

    name: str
    locations: list[PublicLocation]
    appointment_types: list[PublicType]
    clinicians: list[str] = Field(description="display names of the clinicians bookable online")
