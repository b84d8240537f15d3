"""The front desk books for a patient: find the patient, choose the visit, see its gates
and open times, book one time (the escort waivable with a reason) or a treatment series
whose dates are shown before it is booked.

The bookings are the API's own calls (``appointments.book`` through ``idempotency``,
``series.preview`` and ``series.book_series``); a rule that says no re-renders the form
with the reason in plain words and what was entered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Form, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from booking.schemas.appointments import BookingIn, EscortIn, SeriesIn, SeriesPreviewOut
from booking.services import desk, desk_booking, idempotency
from booking.services import series as series_service
from booking.web.errors import page_router, sentence
from booking.web.pages import FrontDeskPage, StaffPageContext, see_other
from core.errors import DomainError

router = page_router()

PROTOCOLS = {"iv_induction": "IV induction: 6 sessions over 2 weeks",
             "esketamine_induction": "Esketamine induction: 12 sessions over 8 weeks"}  # fmt: skip


@dataclass(frozen=True)
class Entered:
    """What the desk typed, given back to the form when a rule says no."""

    starts_at: str = ""
    escort_name: str = ""
    escort_phone: str = ""
    waive_reason: str = ""
    protocol: str = ""


def _form(
    page: StaffPageContext, *, patient: uuid.UUID, kind: uuid.UUID | None,
    location: uuid.UUID | None, clinician: uuid.UUID | None, day: date | None,
    entered: Entered | None = None, error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    choices = desk_booking.booking_choices(
        page.ctx, patient_id=patient, type_id=kind, location_id=location,
        clinician_id=clinician, day=day,
    )  # fmt: skip
    return page.render(
        "desk_book.html", status_code=status, choices=choices, entered=entered or Entered(),
        error=error, protocols=PROTOCOLS,
    )  # fmt: skip


def _chosen(value: str) -> uuid.UUID | None:
    """A select's value: empty is "any" (and anything unreadable is treated so)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


Choice = Annotated[str, Query(max_length=40)]


@router.get("/desk/book")
def booking_form(
    page: FrontDeskPage, patient: uuid.UUID, type: Choice = "", location: Choice = "",
    clinician: Choice = "", day: Annotated[str, Query(alias="date", max_length=10)] = "",
) -> Response:  # fmt: skip
    try:
        on = date.fromisoformat(day) if day else None
    except ValueError:
        on = None
    return _form(page, patient=patient, kind=_chosen(type), location=_chosen(location),
                 clinician=_chosen(clinician), day=on)  # fmt: skip


def _message(exc: DomainError) -> str:
    """The service's reason, said for the desk (no API field names)."""
    if exc.code == "gate_not_met":
        missing = ", ".join(exc.extra.get("missing", []))
        waivable = "escort" in missing and "consult" not in missing and "REMS" not in missing
        tail = " Enter the escort, or waive it with a reason." if waivable else ""
        return f"This visit needs {missing}.{tail}"
    if exc.code == "series_conflict":
        count = len(exc.extra.get("conflicts", []))
        return (
            f"{count} session(s) of this series do not fit; nothing was booked. "
            "Choose another first time or clinician."
        )
    if exc.code == "slot_taken":
        return "That time was just taken. Choose another of the open times."
    return sentence(exc.message)


class Unreadable(ValueError):
    pass


def _escort(name: str, phone: str) -> EscortIn | None:
    if not name.strip() and not phone.strip():
        return None
    try:
        return EscortIn(name=name.strip(), phone=phone.strip())
    except ValidationError as exc:
        raise Unreadable("Give the escort's full name and a phone number we can call.") from exc


def _start(value: str) -> tuple[datetime, uuid.UUID | None]:
    """A chosen open time: its start and the clinician it is with."""
    when, _, who = value.partition("|")
    try:
        return datetime.fromisoformat(when), uuid.UUID(who) if who else None
    except ValueError as exc:
        raise Unreadable("Choose one of the open times.") from exc


def _waiver(reason: str) -> str | None:
    reason = reason.strip()
    if reason and len(reason) < 5:
        raise Unreadable("Say why the escort is waived (at least 5 characters).")
    return reason or None


Text = Annotated[str, Form(max_length=500)]


@router.post("/desk/book")
def book(
    page: FrontDeskPage, patient: Annotated[uuid.UUID, Form()],
    type: Annotated[uuid.UUID, Form()], location: Annotated[uuid.UUID, Form()],
    starts_at: Text = "", escort_name: Text = "", escort_phone: Text = "",
    waive_reason: Text = "",
) -> Response:  # fmt: skip
    entered = Entered(starts_at, escort_name, escort_phone, waive_reason)
    again: dict[str, Any] = {"patient": patient, "kind": type, "location": location,
                             "clinician": None, "entered": entered}  # fmt: skip
    try:
        start, clinician = _start(starts_at)
        again["day"] = start.date()
        data = BookingIn(
            appointment_type_id=type, starts_at=start, location_id=location,
            clinician_id=clinician, patient_id=patient,
            escort=_escort(escort_name, escort_phone), gate_override_reason=_waiver(waive_reason),
        )  # fmt: skip
        booked = idempotency.book_once(page.ctx, data=data, key=None)
    except Unreadable as exc:
        return _form(page, **again, error=str(exc), status=422)
    except DomainError as exc:
        desk.discard(page.ctx)
        return _form(page, **again, error=_message(exc), status=exc.status)
    return see_other(f"/desk/appointments/{booked.appointment.id}?done=booked")


def _series(
    patient: uuid.UUID, type: uuid.UUID, location: uuid.UUID, protocol: str, starts_at: str,
    escort_name: str, escort_phone: str, waive_reason: str,
) -> SeriesIn:  # fmt: skip
    if protocol not in PROTOCOLS:
        raise Unreadable("Choose the series' protocol.")
    start, clinician = _start(starts_at)
    return SeriesIn(
        protocol=protocol, appointment_type_id=type, patient_id=patient, first_starts_at=start,
        location_id=location, clinician_id=clinician,
        escort=_escort(escort_name, escort_phone), gate_override_reason=_waiver(waive_reason),
    )  # fmt: skip


@router.post("/desk/series/preview")
def preview_series(
    page: FrontDeskPage, patient: Annotated[uuid.UUID, Form()],
    type: Annotated[uuid.UUID, Form()], location: Annotated[uuid.UUID, Form()],
    protocol: Text = "", starts_at: Text = "", escort_name: Text = "", escort_phone: Text = "",
    waive_reason: Text = "",
) -> Response:  # fmt: skip
    """Nothing is booked here: the sessions the series would take, to confirm."""
    entered = Entered(starts_at, escort_name, escort_phone, waive_reason, protocol)
    again: dict[str, Any] = {"patient": patient, "kind": type, "location": location,
                             "clinician": None, "entered": entered}  # fmt: skip
    try:
        data = _series(patient, type, location, protocol, starts_at, escort_name, escort_phone,
                       waive_reason)  # fmt: skip
        again["day"] = data.first_starts_at.date() if data.first_starts_at else None
        plan: SeriesPreviewOut = series_service.preview(page.ctx, data=data)
    except Unreadable as exc:
        return _form(page, **again, error=str(exc), status=422)
    except DomainError as exc:
        desk.discard(page.ctx)
        return _form(page, **again, error=_message(exc), status=exc.status)
    return page.render(
        "desk_series.html", plan=plan, entered=entered, patient=patient, type=type,
        location=location, protocol_name=PROTOCOLS[protocol],
    )  # fmt: skip


@router.post("/desk/series")
def book_series(
    page: FrontDeskPage, patient: Annotated[uuid.UUID, Form()],
    type: Annotated[uuid.UUID, Form()], location: Annotated[uuid.UUID, Form()],
    protocol: Text = "", starts_at: Text = "", escort_name: Text = "", escort_phone: Text = "",
    waive_reason: Text = "",
) -> Response:  # fmt: skip
    entered = Entered(starts_at, escort_name, escort_phone, waive_reason, protocol)
    again: dict[str, Any] = {"patient": patient, "kind": type, "location": location,
                             "clinician": None, "entered": entered}  # fmt: skip
    try:
        data = _series(patient, type, location, protocol, starts_at, escort_name, escort_phone,
                       waive_reason)  # fmt: skip
        again["day"] = data.first_starts_at.date() if data.first_starts_at else None
        _, booked = series_service.book_series(page.ctx, data=data)
    except Unreadable as exc:
        return _form(page, **again, error=str(exc), status=422)
    except DomainError as exc:
        desk.discard(page.ctx)
        return _form(page, **again, error=_message(exc), status=exc.status)
    return see_other(f"/desk/appointments/{booked[0].appointment.id}?done=series")
