"""The clinic setup as the admin pages edit it: each entity's fields, its API schemas and
its service calls (those of booking/api/locations.py, clinicians.py, rooms.py, staff.py).

Only what a person types is described here; what is allowed stays in the schemas and the
services, which answer the pages exactly as they answer the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from booking.models import AppointmentKind, Role, RoomKind
from booking.schemas.setup import (
    AppointmentTypeIn,
    AppointmentTypePatch,
    ClinicianIn,
    ClinicianPatch,
    DateOverrideIn,
    LocationIn,
    LocationPatch,
    PeriodIn,
    RoomIn,
    RoomPatch,
    WorkingHoursIn,
)
from booking.schemas.staff import StaffUserIn, StaffUserPatch
from booking.services import clinic_setup, hours, staff
from booking.services.context import Context
from booking.web.forms import Field, Kind

Options = Callable[[Context], dict[str, list[tuple[str, str]]]]


def _enum(kind: type[Any]) -> list[tuple[str, str]]:
    return [(m.value, m.value.replace("_", " ").capitalize()) for m in kind]


def _no_options(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    return {}


def _places(ctx: Context) -> list[tuple[str, str]]:
    return [(str(p.id), p.name) for p in clinic_setup.list_locations(ctx)]


@dataclass(frozen=True)
class Part:
    """A list kept on an entity's page with its own add form: hours, time off, closures.
    ``add`` and ``remove`` take (ctx, owner id, data or item id, confirmed)."""

    slug: str
    title: str
    one: str
    fields: tuple[Field, ...]
    schema: type[BaseModel]
    items: Callable[[Context, uuid.UUID], Sequence[Any]]
    add: Callable[[Context, uuid.UUID, Any, bool], object]
    remove: Callable[[Context, uuid.UUID, uuid.UUID, bool], object]
    options: Options = _no_options


@dataclass(frozen=True)
class Entity:
    slug: str
    title: str
    one: str
    columns: tuple[tuple[str, str], ...]  # (attribute, heading) on the list page
    create_fields: tuple[Field, ...]
    edit_fields: tuple[Field, ...]
    create_schema: type[BaseModel]
    patch_schema: type[BaseModel]
    list_all: Callable[[Context], Sequence[Any]]
    load: Callable[[Context, uuid.UUID], Any]
    create: Callable[[Context, Any], Any]
    # (ctx, id, patch, confirmed): confirmed goes ahead though bookings are stranded.
    update: Callable[[Context, uuid.UUID, Any, bool], Any]
    options: Options = _no_options
    parts: tuple[Part, ...] = ()
    # Form values not stored as attributes of the same name (a clinician's visit types).
    derived: Callable[[Any], dict[str, Any]] = lambda obj: {}


_PERIOD = (
    Field("starts_at", "From", Kind.WHEN, required=True),
    Field("ends_at", "Until", Kind.WHEN, required=True),
    Field("reason", "Reason (staff only)", hint="Not shown to patients."),
)

_LOCATION = (
    Field("name", "Name", required=True),
    Field("timezone", "Time zone", hint="An IANA name such as America/New_York.", required=True),
    Field("address", "Address"),
    Field("phone", "Phone", hint="As +16175550100 or (617) 555-0100.", clearable=True),
    Field("active", "Open for booking", Kind.CHECK),
)
LOCATIONS = Entity(
    slug="locations", title="Locations", one="location",
    columns=(("name", "Name"), ("timezone", "Time zone"), ("address", "Address")),
    create_fields=_LOCATION,
    edit_fields=_LOCATION,
    create_schema=LocationIn, patch_schema=LocationPatch,
    list_all=clinic_setup.list_locations,
    load=lambda ctx, id_: clinic_setup.get_location(ctx, location_id=id_),
    create=lambda ctx, data: clinic_setup.create_location(ctx, data=data),
    update=lambda ctx, id_, data, ok: clinic_setup.update_location(
        ctx, location_id=id_, data=data, confirmed=ok
    ),
    parts=(
        Part(
            slug="closures", title="Closures", one="closure", fields=_PERIOD, schema=PeriodIn,
            items=lambda ctx, id_: hours.list_closures(ctx, location_id=id_),
            add=lambda ctx, id_, data, ok: hours.add_closure(
                ctx, location_id=id_, data=data, confirmed=ok
            ),
            remove=lambda ctx, id_, item, ok: hours.remove_closure(
                ctx, location_id=id_, closure_id=item
            ),
        ),
    ),
)  # fmt: skip


def _types(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    kinds = [(str(t.id), t.name) for t in clinic_setup.list_appointment_types(ctx)]
    return {"appointment_type_ids": kinds}


_CLINICIAN = (
    Field("name", "Name", required=True),
    Field("credentials", "Credentials", hint="Such as MD or NP."),
    Field("display_name", "Name patients see", hint="Left empty, patients see the name."),
    Field("appointment_type_ids", "Visits they offer", Kind.CHOICES),
    Field("active", "Active", Kind.CHECK),
)
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_HOURS = (
    Field("location_id", "Location", Kind.SELECT, required=True),
    Field("weekday", "Day", Kind.SELECT, options=[(str(n), d) for n, d in enumerate(_WEEKDAYS)]),
    Field("start_time", "From", Kind.TIME, required=True),
    Field("end_time", "Until", Kind.TIME, required=True),
    Field("effective_from", "Starting on", Kind.DATE),
    Field("effective_until", "Ending on", Kind.DATE),
)
_OVERRIDE = (
    Field("location_id", "Location", Kind.SELECT, required=True),
    Field("on_date", "Date", Kind.DATE, required=True),
    Field("start_time", "From", Kind.TIME, hint="Leave both times empty for a day off."),
    Field("end_time", "Until", Kind.TIME),
)
CLINICIANS = Entity(
    slug="clinicians", title="Clinicians", one="clinician",
    columns=(("name", "Name"), ("credentials", "Credentials"), ("display_name", "Patients see")),
    create_fields=_CLINICIAN, edit_fields=_CLINICIAN,
    create_schema=ClinicianIn, patch_schema=ClinicianPatch,
    list_all=clinic_setup.list_clinicians,
    load=clinic_setup.load_clinician,
    create=lambda ctx, data: clinic_setup.create_clinician(ctx, data=data),
    update=lambda ctx, id_, data, ok: clinic_setup.update_clinician(
        ctx, clinician_id=id_, data=data, confirmed=ok
    ),
    options=_types,
    derived=lambda clinician: {
        "appointment_type_ids": [t.id for t in clinician.appointment_types]
    },
    parts=(
        Part(
            slug="working-hours", title="Weekly hours", one="weekly hours", fields=_HOURS,
            schema=WorkingHoursIn,
            items=lambda ctx, id_: hours.list_working_hours(ctx, clinician_id=id_),
            add=lambda ctx, id_, data, ok: hours.add_working_hours(
                ctx, clinician_id=id_, data=data
            ),
            remove=lambda ctx, id_, item, ok: hours.remove_clinician_rule(
                ctx, kind=hours.RuleKind.WORKING_HOURS, clinician_id=id_, rule_id=item,
                confirmed=ok,
            ),
            options=lambda ctx: {"location_id": _places(ctx)},
        ),
        Part(
            slug="date-overrides", title="Other hours on one date", one="date",
            fields=_OVERRIDE, schema=DateOverrideIn,
            items=lambda ctx, id_: hours.list_date_overrides(ctx, clinician_id=id_),
            add=lambda ctx, id_, data, ok: hours.add_date_override(
                ctx, clinician_id=id_, data=data, confirmed=ok
            ),
            remove=lambda ctx, id_, item, ok: hours.remove_clinician_rule(
                ctx, kind=hours.RuleKind.DATE_OVERRIDES, clinician_id=id_, rule_id=item,
                confirmed=ok,
            ),
            options=lambda ctx: {"location_id": _places(ctx)},
        ),
        Part(
            slug="time-off", title="Time off", one="time off", fields=_PERIOD, schema=PeriodIn,
            items=lambda ctx, id_: hours.list_time_off(ctx, clinician_id=id_),
            add=lambda ctx, id_, data, ok: hours.add_time_off(
                ctx, clinician_id=id_, data=data, confirmed=ok
            ),
            remove=lambda ctx, id_, item, ok: hours.remove_clinician_rule(
                ctx, kind=hours.RuleKind.TIME_OFF, clinician_id=id_, rule_id=item,
                confirmed=ok,
            ),
        ),
    ),
)  # fmt: skip

_ROOM = (
    Field("name", "Name", required=True),
    Field("kind", "Kind", Kind.SELECT, options=_enum(RoomKind)),
    Field("active", "In use", Kind.CHECK),
)
ROOMS = Entity(
    slug="rooms", title="Rooms and chairs", one="room or chair",
    columns=(("name", "Name"), ("kind", "Kind")),
    create_fields=(Field("location_id", "Location", Kind.SELECT, required=True), *_ROOM),
    edit_fields=_ROOM, create_schema=RoomIn, patch_schema=RoomPatch,
    list_all=lambda ctx: clinic_setup.list_rooms(ctx),
    load=lambda ctx, id_: clinic_setup.get_room(ctx, room_id=id_),
    create=lambda ctx, data: clinic_setup.create_room(ctx, data=data),
    update=lambda ctx, id_, data, ok: clinic_setup.update_room(
        ctx, room_id=id_, data=data, confirmed=ok
    ),
    options=lambda ctx: {"location_id": _places(ctx)},
)  # fmt: skip


def _minutes(name: str, label: str, hint: str = "", *, clearable: bool = False) -> Field:
    return Field(name, label, Kind.NUMBER, hint=hint, clearable=clearable)


_TYPE = (
    Field("name", "Name (staff)", required=True),
    Field("public_name", "Name patients see", required=True,
          hint="Shown in texts and calendars: no drug, treatment or diagnosis words."),
    Field("kind", "Kind of visit", Kind.SELECT, options=_enum(AppointmentKind)),
    Field("description", "Description for patients", Kind.TEXTAREA),
    Field("preparation", "Preparation for patients", Kind.TEXTAREA),
    _minutes("clinician_minutes", "Clinician minutes"),
    Field("room_kind", "Room needed", Kind.SELECT, clearable=True,
          options=[("", "None"), *_enum(RoomKind)]),
    _minutes("room_minutes", "Room minutes", "0 when no room is needed."),
    _minutes("buffer_before_minutes", "Buffer before (minutes)"),
    _minutes("buffer_after_minutes", "Buffer after (minutes)"),
    _minutes("min_notice_minutes", "Minimum notice online (minutes)"),
    _minutes("horizon_days", "Bookable up to (days ahead)"),
    _minutes("slot_step_minutes", "Start times every (minutes)"),
    _minutes("max_starts_per_window", "Starts per clinician per window", clearable=True),
    _minutes("start_window_minutes", "Window (minutes)"),
    _minutes("late_cancel_hours", "Late cancellation within (hours)"),
    _minutes("fast_food_minutes", "No food before (minutes)", clearable=True),
    _minutes("fast_liquids_minutes", "No liquids before (minutes)", clearable=True),
    _minutes("monitoring_form_days", "REMS monitoring form due within (days)", clearable=True),
    Field("online_bookable", "Patients may book online", Kind.CHECK),
    Field("requires_consult", "Needs a consultation first", Kind.CHECK),
    Field("requires_consent", "Needs signed consent", Kind.CHECK),
    Field("requires_rems", "Needs REMS enrolment", Kind.CHECK),
    Field("requires_escort", "Needs an escort home", Kind.CHECK),
    Field("active", "Active", Kind.CHECK),
)  # fmt: skip
TYPES = Entity(
    slug="types", title="Appointment types", one="appointment type",
    columns=(("name", "Name"), ("public_name", "Patients see"), ("kind", "Kind")),
    create_fields=_TYPE, edit_fields=_TYPE,
    create_schema=AppointmentTypeIn, patch_schema=AppointmentTypePatch,
    list_all=clinic_setup.list_appointment_types,
    load=lambda ctx, id_: clinic_setup.get_appointment_type(ctx, type_id=id_),
    create=lambda ctx, data: clinic_setup.create_appointment_type(ctx, data=data),
    update=lambda ctx, id_, data, ok: clinic_setup.update_appointment_type(
        ctx, type_id=id_, data=data
    ),
)  # fmt: skip


def _linkable(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    people = [(str(c.id), c.name) for c in clinic_setup.list_clinicians(ctx)]
    return {"clinician_id": [("", "Not a clinician"), *people]}


_PASSWORD_HINT = "At least 12 characters. Tell the person in person, not by email."  # noqa: S105
STAFF = Entity(
    slug="staff", title="Staff accounts", one="staff account",
    columns=(("name", "Name"), ("email", "Email"), ("role", "Role"), ("active", "Active")),
    create_fields=(
        Field("name", "Name", required=True),
        Field("email", "Email", Kind.EMAIL, required=True),
        Field("role", "Role", Kind.SELECT, options=_enum(Role)),
        Field("password", "Password", Kind.PASSWORD, hint=_PASSWORD_HINT, required=True),
        Field("clinician_id", "Clinician", Kind.SELECT, hint="For a clinician's own account."),
    ),
    edit_fields=(
        Field("name", "Name", required=True),
        Field("role", "Role", Kind.SELECT, options=_enum(Role)),
        Field("password", "New password", Kind.PASSWORD, hint="Left empty, it stays as it is."),
        Field("clinician_id", "Clinician", Kind.SELECT, clearable=True),
        Field("active", "May sign in", Kind.CHECK),
    ),
    create_schema=StaffUserIn, patch_schema=StaffUserPatch,
    list_all=staff.list_users,
    load=lambda ctx, id_: staff.get_user(ctx, user_id=id_),
    create=lambda ctx, data: staff.create_user(ctx, data=data),
    update=lambda ctx, id_, data, ok: staff.update_user(ctx, user_id=id_, data=data),
    options=_linkable,
)  # fmt: skip

ENTITIES = (LOCATIONS, CLINICIANS, ROOMS, TYPES, STAFF)
