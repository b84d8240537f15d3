"""Availability, holds, bookings and the staff's lifecycle actions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from booking.api.deps import (
    AnyStaff,
    BearerToken,
    Caller,
    CallerContext,
    FrontDesk,
    LateCaller,
    authenticates_in_route,
    commits_in_route,
    in_session,
)
from booking.api.throttle import HOLD_LIMITS, limit_booking
from booking.models import Appointment, AppointmentStatus, Hold
from booking.schemas.appointments import (
    AppointmentDetailOut,
    AppointmentOut,
    AvailabilityOut,
    BookedOut,
    BookingIn,
    CancelIn,
    CompleteIn,
    HoldIn,
    HoldOut,
    PatientAppointmentOut,
    PatientBookedOut,
    RescheduleIn,
    RescheduleOut,
    UndoIn,
)
from booking.schemas.fields import CalendarDate, TimeZoneName
from booking.services import (
    appointment_detail,
    appointments,
    changes,
    idempotency,
    listing,
    manage_links,
)
from booking.services.availability import open_slots_json
from booking.services.context import Actor
from core.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["appointments"])


@router.get("/availability", response_model=AvailabilityOut)
@commits_in_route
@authenticates_in_route
def availability(
    ctx: LateCaller,
    appointment_type_id: uuid.UUID,
    start: CalendarDate,
    end: CalendarDate,
    location_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    tz: Annotated[TimeZoneName | None, Query(description="render times in this zone")] = None,
) -> Response:
    """Bookable starts. Public for online-bookable types; other types need a staff token."""
    # The body is written by the service, as AvailabilityOut would serialize (see there).
    body = open_slots_json(
        ctx, appointment_type_id=appointment_type_id, first_day=start, last_day=end,
        location_id=location_id, clinician_id=clinician_id, tz=tz,
    )  # fmt: skip
    return Response(body, media_type="application/json")


@router.post("/holds", response_model=HoldOut, status_code=201, dependencies=[HOLD_LIMITS])
def create_hold(body: HoldIn, ctx: Caller) -> Hold:
    return appointments.create_hold(ctx, data=body)


@router.post("/appointments", response_model=BookedOut | PatientBookedOut, status_code=201)
async def book(
    request: Request,
    body: BookingIn,
    credentials: BearerToken,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Book from a hold or directly. Send an ``Idempotency-Key`` to make retries safe."""
    if credentials is None:
        await limit_booking(request, body, idempotency_key)
    settings = request.app.state.settings

    def booking(ctx: CallerContext) -> Response:
        booked = idempotency.book_once(ctx, data=body, key=idempotency_key)
        # The body is written here, in the worker thread, as the declared model would
        # serialize: returning the model costs FastAPI another hop and a second validation.
        view = _booked(booked, settings, ctx.actor)
        return Response(view.model_dump_json(), status_code=201, media_type="application/json")

    return await in_session(request, credentials, booking, placing=True)


def _booked(
    booked: appointments.Booked, settings: Settings, by: Actor
) -> BookedOut | PatientBookedOut:
    """Staff see the whole appointment; a patient the view of it made for patients."""
    token = booked.manage_token
    link = {"manage_token": token, "manage_url": manage_links.url(settings.public_url, token)}
    if by.acts_for_clinic:
        return BookedOut(appointment=AppointmentOut.model_validate(booked.appointment), **link)
    view = PatientAppointmentOut.model_validate(booked.appointment)
    return PatientBookedOut(appointment=view, **link)


@router.get("/appointments", response_model=list[AppointmentOut])
def list_appointments(
    ctx: AnyStaff,
    day: CalendarDate | None = None,
    clinician_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    status: AppointmentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Appointment]:
    """Staff search; ``day`` is a local date at the location (or the only location)."""
    return listing.search(
        ctx, day=day, clinician_id=clinician_id, room_id=room_id, patient_id=patient_id,
        location_id=location_id, status=status, limit=limit,
    )  # fmt: skip


@router.get("/appointments/{appointment_id}", response_model=AppointmentDetailOut)
def get_appointment(appointment_id: uuid.UUID, ctx: AnyStaff) -> AppointmentDetailOut:
    """The appointment, with whom the clinic may text or email about it and what the
    patient and escort answered."""
    return appointment_detail.detail(ctx, appointment_id=appointment_id)


@router.post("/appointments/{appointment_id}/reschedule", response_model=RescheduleOut)
def reschedule(appointment_id: uuid.UUID, body: RescheduleIn, ctx: FrontDesk) -> RescheduleOut:
    """Same clinician and chair unless given; ``room_changed`` says the chair was busy."""
    moved = changes.move(ctx, appointment=changes.load(ctx, appointment_id), data=body)
    view = AppointmentOut.model_validate(moved.appointment).model_dump()
    return RescheduleOut(
        **view, room_changed=moved.room_changed, previous_room_id=moved.previous_room_id
    )


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(appointment_id: uuid.UUID, body: CancelIn, ctx: FrontDesk) -> Appointment:
    appointment = changes.load(ctx, appointment_id)
    return changes.cancel(
        ctx, appointment=appointment, reason=body.reason, by_clinic=body.by_clinic
    )


@router.post("/appointments/{appointment_id}/check-in", response_model=AppointmentOut)
def check_in(appointment_id: uuid.UUID, ctx: AnyStaff) -> Appointment:
    return changes.check_in(ctx, appointment=changes.load(ctx, appointment_id))


@router.post("/appointments/{appointment_id}/complete", response_model=AppointmentOut)
def complete(
    appointment_id: uuid.UUID, ctx: AnyStaff, body: CompleteIn | None = None
) -> Appointment:
    """Records the discharge the clinician called: any staff member may press it (the front
    desk sees the patient leave), and the escort's "ready for pickup" goes at once."""
    appointment = changes.load(ctx, appointment_id)
    at = body.discharged_at if body else None
    return changes.complete(ctx, appointment=appointment, discharged_at=at)


@router.post("/appointments/{appointment_id}/no-show", response_model=AppointmentOut)
def no_show(appointment_id: uuid.UUID, ctx: FrontDesk) -> Appointment:
    return changes.no_show(ctx, appointment=changes.load(ctx, appointment_id))


@router.post("/appointments/{appointment_id}/undo", response_model=AppointmentOut)
def undo(appointment_id: uuid.UUID, body: UndoIn, ctx: FrontDesk) -> Appointment:
    """Undo a check-in, discharge or no-show recorded by mistake, until the end of the day
    after the appointment's day at its location (409 ``correction_window_closed``)."""
    return changes.undo(ctx, appointment=changes.load(ctx, appointment_id), reason=body.reason)
