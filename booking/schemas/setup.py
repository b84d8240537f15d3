"""Clinic setup: locations, clinicians, rooms, appointment types, hours, time off, closures."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from booking.models import AppointmentKind, RoomKind
from booking.schemas.fields import (
    CalendarDate,
    Name,
    OutSchema,
    PhoneNumber,
    Schema,
    ShortText,
    TimeZoneName,
    UtcDatetime,
)
from notifications.privacy import forbidden_terms_in

Minutes = int


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a wall-clock time in the location's zone, without a UTC offset")
    return value


LocationZone = TimeZoneName
# Weekly hours and overrides are read in the location's zone; an offset would be ignored.
WallTime = Annotated[time, AfterValidator(_wall_clock)]
RoomName = Annotated[str, StringConstraints(min_length=1, max_length=100)]  # rooms.name is 100


class PatchSchema(Schema):
    """A partial update: a field left out keeps its value; null is refused unless the field
    may really be empty (listed in NULLABLE), so it never reaches a NOT NULL column."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("may not be null: leave the field out to keep its value")
        return value


class LocationIn(Schema):
    name: Name
    timezone: LocationZone
    address: str = Field(default="", max_length=500)
    phone: PhoneNumber | None = None
    active: bool = True


class LocationPatch(PatchSchema):
    NULLABLE = frozenset({"phone"})

    name: Name | None = None
    timezone: LocationZone | None = None
    address: str | None = Field(default=None, max_length=500)
    phone: PhoneNumber | None = None
    active: bool | None = None


class LocationOut(OutSchema):
    id: uuid.UUID
    name: str
    timezone: str
    address: str
    phone: str | None
    active: bool


DisplayName = Annotated[
    str, Field(max_length=200, description="what patients see; empty shows the name")
]
PatientText = Annotated[str, Field(max_length=500, description="shown to patients")]
Preparation = Annotated[
    str, Field(max_length=5000, description="shown to patients on their manage link")
]


class ClinicianIn(Schema):
    name: Name
    credentials: str = Field(default="", max_length=100)
    display_name: DisplayName = ""
    appointment_type_ids: list[uuid.UUID] = Field(default_factory=list)
    active: bool = True


class ClinicianPatch(PatchSchema):
    name: Name | None = None
    credentials: str | None = Field(default=None, max_length=100)
    display_name: DisplayName | None = None
    appointment_type_ids: list[uuid.UUID] | None = None
    active: bool | None = None


class ClinicianOut(OutSchema):
    id: uuid.UUID
    name: str
    credentials: str
    display_name: str
    active: bool
    appointment_type_ids: list[uuid.UUID]


class RoomIn(Schema):
    location_id: uuid.UUID
    name: RoomName
    kind: RoomKind
    active: bool = True


class RoomPatch(PatchSchema):
    name: RoomName | None = None
    kind: RoomKind | None = None
    active: bool | None = None


class RoomOut(OutSchema):
    id: uuid.UUID
    location_id: uuid.UUID
    name: str
    kind: RoomKind
    active: bool


class AppointmentTypeIn(Schema):
    """Defaults are DOMAIN.md's; every one is the administrator's to change."""

    name: Name
    public_name: str = Field(min_length=1, max_length=100)
    description: PatientText = ""
    preparation: Preparation = ""
    kind: AppointmentKind
    clinician_minutes: Minutes = Field(gt=0, le=24 * 60)
    room_kind: RoomKind | None = None
    room_minutes: Minutes = Field(default=0, ge=0, le=24 * 60)
    buffer_before_minutes: Minutes = Field(default=0, ge=0, le=240)
    buffer_after_minutes: Minutes = Field(default=0, ge=0, le=240)
    min_notice_minutes: Minutes = Field(default=12 * 60, ge=0, le=60 * 24 * 60)
    horizon_days: int = Field(default=90, gt=0, le=730)
    slot_step_minutes: Minutes = Field(default=15, ge=5, le=240)
    online_bookable: bool = False
    requires_consult: bool = False
    requires_consent: bool = False
    requires_rems: bool = False
    requires_escort: bool = False
    max_starts_per_window: int | None = Field(default=None, gt=0, le=20)
    start_window_minutes: Minutes = Field(default=30, gt=0, le=240)
    late_cancel_hours: int = Field(default=24, ge=0, le=24 * 14)
    fast_food_minutes: Minutes | None = Field(default=None, ge=0, le=24 * 60)
    fast_liquids_minutes: Minutes | None = Field(default=None, ge=0, le=24 * 60)
    monitoring_form_days: int | None = Field(default=None, gt=0, le=90)
    active: bool = True

    @field_validator("public_name")
    @classmethod
    def _neutral(cls, value: str) -> str:
        if found := forbidden_terms_in(value):
            raise ValueError(
                "the public name is shown in texts and calendars and must not name a drug, "
                f"treatment or diagnosis (found: {', '.join(found)})"
            )
        return value

    @model_validator(mode="after")
    def _room_shape(self) -> Self:
        if (self.room_kind is None) != (self.room_minutes == 0):
            raise ValueError("room_kind and a positive room_minutes go together (or neither)")
        return self


class AppointmentTypePatch(Schema):
    """Any subset of AppointmentTypeIn; the merged result is validated as a whole."""

    name: Name | None = None
    public_name: str | None = None
    description: str | None = None
    preparation: str | None = None
    kind: AppointmentKind | None = None
    clinician_minutes: Minutes | None = None
    room_kind: RoomKind | None = None
    room_minutes: Minutes | None = None
    buffer_before_minutes: Minutes | None = None
    buffer_after_minutes: Minutes | None = None
    min_notice_minutes: Minutes | None = None
    horizon_days: int | None = None
    slot_step_minutes: Minutes | None = None
    online_bookable: bool | None = None
    requires_consult: bool | None = None
    requires_consent: bool | None = None
    requires_rems: bool | None = None
    requires_escort: bool | None = None
    max_starts_per_window: int | None = None
    start_window_minutes: Minutes | None = None
    late_cancel_hours: int | None = None
    fast_food_minutes: Minutes | None = None
    fast_liquids_minutes: Minutes | None = None
    monitoring_form_days: int | None = None
    active: bool | None = None


class AppointmentTypeOut(AppointmentTypeIn):
    model_config = OutSchema.model_config
    id: uuid.UUID


class WorkingHoursIn(Schema):
    location_id: uuid.UUID
    weekday: int = Field(ge=0, le=6, description="Monday = 0 … Sunday = 6")
    start_time: WallTime
    end_time: WallTime
    effective_from: CalendarDate | None = None
    effective_until: CalendarDate | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        start, until = self.effective_from, self.effective_until
        if start and until and until < start:
            raise ValueError("effective_until must not be before effective_from")
        return self


class WorkingHoursOut(WorkingHoursIn):
    model_config = OutSchema.model_config
    id: uuid.UUID
    clinician_id: uuid.UUID


class DateOverrideIn(Schema):
    """Replaces the weekly hours on one date; leave both times out for a day off."""

    location_id: uuid.UUID
    on_date: CalendarDate
    start_time: WallTime | None = None
    end_time: WallTime | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("give both start_time and end_time, or neither for a day off")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self


class DateOverrideOut(DateOverrideIn):
    model_config = OutSchema.model_config
    id: uuid.UUID
    clinician_id: uuid.UUID


class PeriodIn(Schema):
    """A span of real time (time off, closure); both ends carry their UTC offset."""

    starts_at: UtcDatetime
    ends_at: UtcDatetime
    reason: ShortText = ""

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class TimeOffOut(PeriodIn):
    model_config = OutSchema.model_config
    id: uuid.UUID
    clinician_id: uuid.UUID


class ClosureOut(PeriodIn):
    model_config = OutSchema.model_config
    id: uuid.UUID
    location_id: uuid.UUID
