"""Treatment series and the waitlist (front desk)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from booking.api.deps import AnyStaff, AppSettings, FrontDesk
from booking.models import WaitlistEntry, WaitlistStatus
from booking.schemas.appointments import (
    AppointmentOut,
    SeriesIn,
    SeriesOut,
    SeriesPreviewOut,
    SessionLink,
    WaitlistIn,
    WaitlistOut,
)
from booking.services import manage_links, waitlist
from booking.services import series as series_service

router = APIRouter(prefix="/api/v1", tags=["series and waitlist"])


@router.post("/series", response_model=SeriesOut, status_code=201)
def book_series(body: SeriesIn, ctx: FrontDesk, settings: AppSettings) -> SeriesOut:
    """All sessions or none; a 409 ``series_conflict`` lists, per session that does not fit,
    the nearest starts that would (keeping the series' spacing). Each session has its own
    manage link for the patient, shown once here."""
    series, booked = series_service.book_series(ctx, data=body)
    links = [
        SessionLink(
            appointment_id=b.appointment.id, manage_token=b.manage_token,
            manage_url=manage_links.url(settings.public_url, b.manage_token),
        )
        for b in booked
    ]  # fmt: skip
    return SeriesOut(
        id=series.id, protocol=series.protocol, min_gap_hours=series.min_gap_hours,
        appointments=[AppointmentOut.model_validate(b.appointment) for b in booked],
        manage_links=links,
    )  # fmt: skip


@router.post("/series/preview", response_model=SeriesPreviewOut)
def preview_series(body: SeriesIn, ctx: FrontDesk) -> SeriesPreviewOut:
    """The sessions ``POST /series`` would book with this body, each placed (clinician and
    chair) and in the location's zone, with the same checks and answers; nothing is
    booked, so the desk can show the dates before confirming."""
    return series_service.preview(ctx, data=body)


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
