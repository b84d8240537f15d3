"""Treatment series and the waitlist (front desk)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from booking.api.deps import AnyStaff, FrontDesk
from booking.models import WaitlistEntry, WaitlistStatus
from booking.schemas.appointments import (
    AppointmentOut,
    SeriesIn,
    SeriesOut,
    WaitlistIn,
    WaitlistOut,
)
from booking.services import series as series_service
from booking.services import waitlist

router = APIRouter(prefix="/api/v1", tags=["series and waitlist"])


@router.post("/series", response_model=SeriesOut, status_code=201)
def book_series(body: SeriesIn, ctx: FrontDesk) -> SeriesOut:
    """All sessions or none; a 409 ``series_conflict`` lists, per session that does not fit,
    the nearest starts that would (keeping the series' spacing)."""
    series, booked = series_service.book_series(ctx, data=body)
    return SeriesOut(
        id=series.id, protocol=series.protocol, min_gap_hours=series.min_gap_hours,
        appointments=[AppointmentOut.model_validate(a) for a in booked],
    )  # fmt: skip


@router.post("/waitlist", response_model=WaitlistOut, status_code=201)
def join_waitlist(body: WaitlistIn, ctx: FrontDesk) -> WaitlistEntry:
    return waitlist.join(ctx, data=body)


@router.get("/waitlist", response_model=list[WaitlistOut])
def list_waitlist(
    ctx: AnyStaff,
    appointment_type_id: uuid.UUID | None = None,
    status: WaitlistStatus | None = None,
) -> list[WaitlistEntry]:
    return waitlist.waiting(ctx, type_id=appointment_type_id, status=status)


@router.delete("/waitlist/{entry_id}", status_code=204)
def withdraw(entry_id: uuid.UUID, ctx: FrontDesk) -> Response:
    waitlist.withdraw(ctx, entry_id=entry_id)
    return Response(status_code=204)
