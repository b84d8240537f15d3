"""Rooms and treatment chairs, and appointment types."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from booking.api.attention import ConfirmAffected
from booking.api.deps import Admin, AnyStaff
from booking.models import AppointmentType, Room
from booking.schemas.notice_policy import NoticePolicyIn, NoticePolicyOut
from booking.schemas.setup import (
    AppointmentTypeIn,
    AppointmentTypeOut,
    AppointmentTypePatch,
    RoomIn,
    RoomOut,
    RoomPatch,
)
from booking.services import clinic_setup, notice_policy

rooms = APIRouter(prefix="/api/v1/rooms", tags=["setup"])
appointment_types = APIRouter(prefix="/api/v1/appointment-types", tags=["setup"])


@rooms.get("", response_model=list[RoomOut])
def list_rooms(ctx: AnyStaff, location_id: uuid.UUID | None = Query(default=None)) -> list[Room]:
    return clinic_setup.list_rooms(ctx, location_id=location_id)


@rooms.post("", response_model=RoomOut, status_code=201)
def create_room(body: RoomIn, ctx: Admin) -> Room:
    return clinic_setup.create_room(ctx, data=body)


@rooms.get("/{room_id}", response_model=RoomOut)
def get_room(room_id: uuid.UUID, ctx: AnyStaff) -> Room:
    return clinic_setup.get_room(ctx, room_id=room_id)


@rooms.patch("/{room_id}", response_model=RoomOut)
def update_room(
    room_id: uuid.UUID, body: RoomPatch, ctx: Admin, confirm_affected: ConfirmAffected = False
) -> Room:
    return clinic_setup.update_room(ctx, room_id=room_id, data=body, confirmed=confirm_affected)


@appointment_types.get("", response_model=list[AppointmentTypeOut])
def list_appointment_types(ctx: AnyStaff) -> list[AppointmentType]:
    return clinic_setup.list_appointment_types(ctx)


@appointment_types.post("", response_model=AppointmentTypeOut, status_code=201)
def create_appointment_type(body: AppointmentTypeIn, ctx: Admin) -> AppointmentType:
    return clinic_setup.create_appointment_type(ctx, data=body)


@appointment_types.get("/{type_id}", response_model=AppointmentTypeOut)
def get_appointment_type(type_id: uuid.UUID, ctx: AnyStaff) -> AppointmentType:
    return clinic_setup.get_appointment_type(ctx, type_id=type_id)


@appointment_types.patch("/{type_id}", response_model=AppointmentTypeOut)
def update_appointment_type(
    type_id: uuid.UUID, body: AppointmentTypePatch, ctx: Admin
) -> AppointmentType:
    return clinic_setup.update_appointment_type(ctx, type_id=type_id, data=body)


@appointment_types.get("/{type_id}/notice-policy", response_model=NoticePolicyOut)
def get_notice_policy(type_id: uuid.UUID, ctx: AnyStaff) -> NoticePolicyOut:
    return notice_policy.get_notice_policy(ctx, type_id=type_id)


@appointment_types.put("/{type_id}/notice-policy", response_model=NoticePolicyOut)
def set_notice_policy(type_id: uuid.UUID, body: NoticePolicyIn, ctx: Admin) -> NoticePolicyOut:
    """Replace the type's notice overrides; pending notices of its appointments follow."""
    return notice_policy.set_notice_policy(ctx, type_id=type_id, data=body)
