"""Staff accounts (administrators only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from booking.api.deps import Admin
from booking.models import StaffUser
from booking.schemas.staff import StaffUserIn, StaffUserOut, StaffUserPatch
from booking.services import staff as service

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


@router.get("", response_model=list[StaffUserOut])
def list_staff(ctx: Admin) -> list[StaffUser]:
    return service.list_users(ctx)


@router.post("", response_model=StaffUserOut, status_code=201)
def create_staff(body: StaffUserIn, ctx: Admin) -> StaffUser:
    return service.create_user(ctx, data=body)


@router.patch("/{user_id}", response_model=StaffUserOut)
def update_staff(user_id: uuid.UUID, body: StaffUserPatch, ctx: Admin) -> StaffUser:
    return service.update_user(ctx, user_id=user_id, data=body)
