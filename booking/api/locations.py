"""Locations and their closures."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from booking.api.attention import ConfirmAffected
from booking.api.deps import Admin, AnyStaff, FrontDesk
from booking.models import Location, LocationClosure
from booking.schemas.setup import ClosureOut, LocationIn, LocationOut, LocationPatch, PeriodIn
from booking.services import clinic_setup, hours

router = APIRouter(prefix="/api/v1/locations", tags=["setup"])


@router.get("", response_model=list[LocationOut])
def list_locations(ctx: AnyStaff) -> list[Location]:
    return clinic_setup.list_locations(ctx)


@router.post("", response_model=LocationOut, status_code=201)
def create_location(body: LocationIn, ctx: Admin) -> Location:
    return clinic_setup.create_location(ctx, data=body)


@router.get("/{location_id}", response_model=LocationOut)
def get_location(location_id: uuid.UUID, ctx: AnyStaff) -> Location:
    return clinic_setup.get_location(ctx, location_id=location_id)


@router.patch("/{location_id}", response_model=LocationOut)
def update_location(
    location_id: uuid.UUID,
    body: LocationPatch,
    ctx: Admin,
    confirm_affected: ConfirmAffected = False,
) -> Location:
    return clinic_setup.update_location(
        ctx, location_id=location_id, data=body, confirmed=confirm_affected
    )


@router.get("/{location_id}/closures", response_model=list[ClosureOut])
def list_closures(location_id: uuid.UUID, ctx: AnyStaff) -> list[LocationClosure]:
    return hours.list_closures(ctx, location_id=location_id)


@router.post("/{location_id}/closures", response_model=ClosureOut, status_code=201)
def add_closure(
    location_id: uuid.UUID,
    body: PeriodIn,
    ctx: FrontDesk,
    confirm_affected: ConfirmAffected = False,
) -> LocationClosure:
    return hours.add_closure(ctx, location_id=location_id, data=body, confirmed=confirm_affected)


@router.delete("/{location_id}/closures/{closure_id}", status_code=204)
def remove_closure(location_id: uuid.UUID, closure_id: uuid.UUID, ctx: FrontDesk) -> Response:
    hours.remove_closure(ctx, location_id=location_id, closure_id=closure_id)
    return Response(status_code=204)
