"""Clinic setup use cases: locations, clinicians, rooms and chairs, appointment types."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.models import AppointmentType, Clinician, Location, Room
from booking.schemas.setup import (
    AppointmentTypeIn,
    AppointmentTypePatch,
    ClinicianIn,
    ClinicianPatch,
    LocationIn,
    LocationPatch,
    RoomIn,
    RoomPatch,
)
from booking.services import reference
from booking.services.attention import Scope, guard
from booking.services.audit import changed, record, record_create, snapshot, update_audited
from booking.services.context import Context
from core.errors import Conflict, Invalid, NotFound

# Retiring a clinician, location or chair, moving a location to another zone (its hours are
# local), or taking a type from a clinician can strand booked appointments: named in a 409
# unless confirmed.
_STRANDING = frozenset({"active", "timezone", "appointment_type_ids"})


def _watch(
    ctx: Context, scope: Scope, changes: dict[str, Any], *, confirmed: bool
) -> AbstractContextManager[None]:
    if _STRANDING.isdisjoint(changes):
        return nullcontext()
    return guard(ctx, scope, confirmed=confirmed)


def _ensure_unique_name(ctx: Context, column: Any, name: str, *, what: str, **scope: Any) -> None:
    # Compared in Python: SQLite's lower() folds ASCII only, so "Clínica" and "CLÍNICA" would
    # differ there and clash on PostgreSQL. Setup tables hold dozens of rows, not thousands.
    query = select(column)
    for key, value in scope.items():
        query = query.where(getattr(column.class_, key) == value)
    wanted = name.casefold()
    if any(existing.casefold() == wanted for existing in ctx.session.scalars(query)):
        raise Conflict("name_taken", f"a {what} named {name!r} already exists")


def _renamed(current: str, changes: dict[str, Any]) -> str | None:
    new = changes.get("name")
    return new if new and new.casefold() != current.casefold() else None


def require_location(ctx: Context, location_id: uuid.UUID | None) -> Location:
    """The given location, or the clinic's only one when none is named."""
    if location_id is None:
        active = reference.current(ctx).active_locations
        if len(active) != 1:
            raise Invalid("location_required", "name the location (location_id)")
        location_id = active[0]
    location = reference.location(ctx, location_id)
    if location is None:
        raise NotFound("location")
    return location


def list_locations(ctx: Context) -> list[Location]:
    return list(ctx.session.scalars(select(Location).order_by(Location.name)))


def get_location(ctx: Context, *, location_id: uuid.UUID) -> Location:
    return ctx.get(Location, location_id, "location")


def create_location(ctx: Context, *, data: LocationIn) -> Location:
    _ensure_unique_name(ctx, Location.name, data.name, what="location")
    location = Location(**data.model_dump())
    ctx.session.add(location)
    record_create(ctx, location, action="location.create")
    return location


def update_location(
    ctx: Context, *, location_id: uuid.UUID, data: LocationPatch, confirmed: bool = False
) -> Location:
    location = ctx.get(Location, location_id, "location")
    changes = data.model_dump(exclude_unset=True)
    if new_name := _renamed(location.name, changes):
        _ensure_unique_name(ctx, Location.name, new_name, what="location")
    with _watch(ctx, Scope(location_id=location_id), changes, confirmed=confirmed):
        update_audited(ctx, location, changes, action="location.update")
    return location


def load_clinician(ctx: Context, clinician_id: uuid.UUID) -> Clinician:
    query = (
        select(Clinician)
        .where(Clinician.id == clinician_id)
        .options(selectinload(Clinician.appointment_types))
    )
    clinician = ctx.session.scalar(query)
    if clinician is None:
        raise NotFound("clinician")
    return clinician


def _appointment_types(ctx: Context, ids: list[uuid.UUID]) -> list[AppointmentType]:
    wanted = set(ids)
    query = select(AppointmentType).where(AppointmentType.id.in_(wanted))
    found = list(ctx.session.scalars(query))
    if missing := wanted - {t.id for t in found}:
        names = ", ".join(sorted(map(str, missing)))
        raise Invalid("unknown_reference", f"unknown appointment type(s): {names}")
    return found


def _clinician_snapshot(clinician: Clinician) -> dict[str, Any]:
    types = sorted(str(t.id) for t in clinician.appointment_types)
    return snapshot(clinician) | {"appointment_type_ids": types}


def create_clinician(ctx: Context, *, data: ClinicianIn) -> Clinician:
    clinician = Clinician(**data.model_dump(exclude={"appointment_type_ids"}))
    clinician.appointment_types = _appointment_types(ctx, data.appointment_type_ids)
    ctx.session.add(clinician)
    ctx.session.flush()
    record(ctx, action="clinician.create", entity=clinician, after=_clinician_snapshot(clinician))
    return clinician


def update_clinician(
    ctx: Context, *, clinician_id: uuid.UUID, data: ClinicianPatch, confirmed: bool = False
) -> Clinician:
    clinician = load_clinician(ctx, clinician_id)
    before = _clinician_snapshot(clinician)
    changes = data.model_dump(exclude_unset=True)
    with _watch(ctx, Scope(clinician_id=clinician_id), changes, confirmed=confirmed):
        if (type_ids := changes.pop("appointment_type_ids", None)) is not None:
            clinician.appointment_types = _appointment_types(ctx, type_ids)
        for key, value in changes.items():
            setattr(clinician, key, value)
        ctx.session.flush()
    old, new = changed(before, _clinician_snapshot(clinician))
    if new:
        record(ctx, action="clinician.update", entity=clinician, before=old, after=new)
    return clinician


def list_clinicians(ctx: Context) -> list[Clinician]:
    query = select(Clinician).options(selectinload(Clinician.appointment_types))
    return list(ctx.session.scalars(query.order_by(Clinician.name)))


def list_rooms(ctx: Context, *, location_id: uuid.UUID | None = None) -> list[Room]:
    query = select(Room).order_by(Room.name)
    if location_id is not None:
        query = query.where(Room.location_id == location_id)
    return list(ctx.session.scalars(query))


def get_room(ctx: Context, *, room_id: uuid.UUID) -> Room:
    return ctx.get(Room, room_id, "room")


def create_room(ctx: Context, *, data: RoomIn) -> Room:
    if ctx.session.get(Location, data.location_id) is None:
        raise Invalid("unknown_reference", "unknown location")
    _ensure_unique_name(ctx, Room.name, data.name, what="room", location_id=data.location_id)
    room = Room(**data.model_dump())
    ctx.session.add(room)
    record_create(ctx, room, action="room.create")
    return room


def update_room(
    ctx: Context, *, room_id: uuid.UUID, data: RoomPatch, confirmed: bool = False
) -> Room:
    room = ctx.get(Room, room_id, "room")
    changes = data.model_dump(exclude_unset=True)
    if new_name := _renamed(room.name, changes):
        _ensure_unique_name(ctx, Room.name, new_name, what="room", location_id=room.location_id)
    with _watch(ctx, Scope(location_id=room.location_id), changes, confirmed=confirmed):
        update_audited(ctx, room, changes, action="room.update")
    return room


def list_appointment_types(ctx: Context) -> list[AppointmentType]:
    return list(ctx.session.scalars(select(AppointmentType).order_by(AppointmentType.name)))


def get_appointment_type(ctx: Context, *, type_id: uuid.UUID) -> AppointmentType:
    return ctx.get(AppointmentType, type_id, "appointment type")


def create_appointment_type(ctx: Context, *, data: AppointmentTypeIn) -> AppointmentType:
    _ensure_unique_name(ctx, AppointmentType.name, data.name, what="appointment type")
    appointment_type = AppointmentType(**data.model_dump())
    ctx.session.add(appointment_type)
    record_create(ctx, appointment_type, action="appointment_type.create")
    return appointment_type


def update_appointment_type(
    ctx: Context, *, type_id: uuid.UUID, data: AppointmentTypePatch
) -> AppointmentType:
    appointment_type = ctx.get(AppointmentType, type_id, "appointment type")
    changes = data.model_dump(exclude_unset=True)
    current = AppointmentTypeIn.model_fields.keys()
    merged = {key: getattr(appointment_type, key) for key in current} | changes
    try:  # the whole type must still make sense, not just the fields sent
        valid = AppointmentTypeIn.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise Invalid("invalid_appointment_type", f"{where}: {first['msg']}") from exc
    if new_name := _renamed(appointment_type.name, changes):
        _ensure_unique_name(ctx, AppointmentType.name, new_name, what="appointment type")
    update_audited(ctx, appointment_type, valid.model_dump(), action="appointment_type.update")
    return appointment_type
