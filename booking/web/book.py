"""Public booking: a visit type, its open times by day in the patient's zone, a hold on
the chosen time, the patient's details and consent, then the booking.

The same service calls as ``POST /api/v1/holds`` and ``POST /api/v1/appointments``, with
the same anonymous limits. A time taken meanwhile is never an error page: the times page
comes back with a kind word and the times still open. Each attempt runs in a savepoint, so
a refused one leaves nothing behind while the page still answers (and commits nothing).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from booking.api.deps import AppSettings
from booking.api.throttle import HOLD_LIMITS, _client_key, _throttle
from booking.schemas.appointments import BookingIn, HoldIn
from booking.schemas.fields import CalendarDate, UtcDatetime
from booking.schemas.manage import ClinicOut
from booking.schemas.patients import PatientIn
from booking.services import appointments, availability, clinic_info, idempotency
from booking.web import times
from booking.web.errors import page_router
from booking.web.pages import PageContext, PublicPage, see_other
from core.errors import DomainError, NotFound
from notifications.notices import MessageContext

router = page_router()

TAKEN = (
    "Sorry, someone else took that time a moment ago. Nothing was booked; "
    "here are the times that are still open."
)


def sms_consent_wording(clinic_name: str) -> str:
    """DOMAIN.md's consent wording, as the first text repeats it (notifications' consent.txt)."""
    per_visit = MessageContext.__dataclass_fields__["messages_per_visit"].default
    return (
        f"{clinic_name} appointment texts, about {per_visit} msgs per visit. "
        "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
    )


def _choice(clinic: ClinicOut, type_id: uuid.UUID | None, location_id: uuid.UUID | None) -> Any:
    """The public type and location asked for (None when not bookable online)."""
    kind = next((t for t in clinic.appointment_types if t.id == type_id), None)
    if kind is None:
        return None, None
    wanted = location_id if location_id in kind.location_ids else kind.location_ids[0]
    return kind, next(loc for loc in clinic.locations if loc.id == wanted)


def _times_page(
    page: PageContext,
    *,
    type_id: uuid.UUID | None,
    location_id: uuid.UUID | None,
    tz: str | None,
    week: date | None,
    link: str = "",
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    clinic = clinic_info.clinic_information(page.ctx, clinic_name=page.settings.name)
    kind, location = _choice(clinic, type_id, location_id)
    if kind is None:
        return page.render(
            "book_types.html", clinic=clinic, link=link, message=message,
            status_code=404 if type_id else status_code,
        )  # fmt: skip
    zone = times.zone_or(tz, location.timezone)
    start = times.first_day(week, now=page.ctx.now, zone=zone)
    found = availability.open_slots(
        page.ctx, appointment_type_id=kind.id, first_day=start,
        last_day=start + timedelta(days=times.WEEK - 1), location_id=location.id, tz=zone,
    )  # fmt: skip
    today = times.first_day(None, now=page.ctx.now, zone=zone)
    previous, following = times.week_links(start, today=today)
    return page.render(
        "book_times.html", status_code=status_code, clinic=clinic, kind=kind,
        location=location, zone=zone, zones=times.zone_choices(zone, location.timezone),
        days=times.by_day(found), start=start, previous=previous, following=following,
        link=link, message=message, zone_asked=bool(tz), action="/book/hold",
    )  # fmt: skip


@router.get("/book")
def choose(
    page: PublicPage,
    type: uuid.UUID | None = None,
    location: uuid.UUID | None = None,
    tz: str | None = None,
    week: CalendarDate | None = None,
    link: str = "",
) -> HTMLResponse:
    return _times_page(page, type_id=type, location_id=location, tz=tz, week=week, link=link)


@router.post("/book/hold", dependencies=[HOLD_LIMITS])
def hold(
    page: PublicPage,
    type: Annotated[uuid.UUID, Form()],
    location: Annotated[uuid.UUID, Form()],
    tz: Annotated[str, Form(max_length=64)] = "",
    slot: Annotated[str, Form(max_length=64)] = "",
    link: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    again: dict[str, Any] = {
        "type_id": type,
        "location_id": location,
        "tz": tz or None,
        "week": None,
    }
    try:
        data = HoldIn.model_validate(
            {"appointment_type_id": type, "location_id": location, "starts_at": slot}
        )
    except ValidationError:
        return _times_page(page, **again, link=link, message="Please choose one of the times.",
                           status_code=422)  # fmt: skip
    try:
        with page.ctx.session.begin_nested():
            held = appointments.create_hold(page.ctx, data=data)
    except DomainError as refused:
        message = TAKEN if refused.code == "slot_taken" else refused.message
        return _times_page(page, **again, link=link, message=message, status_code=refused.status)
    query = {"hold": held.id, "type": type, "location": location, "tz": tz,
             "starts": held.starts_at.isoformat(), "until": held.expires_at.isoformat(),
             "link": link}  # fmt: skip
    return see_other("/book/details?" + _query(query))


def _query(values: dict[str, object]) -> str:
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


@router.get("/book/details")
def details(
    page: PublicPage,
    hold: uuid.UUID,
    type: uuid.UUID,
    location: uuid.UUID,
    starts: UtcDatetime,
    until: UtcDatetime,
    tz: str = "",
    link: str = "",
) -> HTMLResponse:
    return _details_page(page, hold=hold, type_id=type, location_id=location, starts=starts,
                         until=until, tz=tz, link=link, form={}, errors=[])  # fmt: skip


def _details_page(
    page: PageContext,
    *,
    hold: uuid.UUID,
    type_id: uuid.UUID,
    location_id: uuid.UUID,
    starts: datetime,
    until: datetime,
    tz: str,
    link: str,
    form: dict[str, str],
    errors: list[str],
    status_code: int = 200,
) -> HTMLResponse:
    clinic = clinic_info.clinic_information(page.ctx, clinic_name=page.settings.name)
    kind, location = _choice(clinic, type_id, location_id)
    if kind is None:
        raise NotFound("visit type")
    zone = times.zone_or(tz or None, location.timezone)
    seconds = max(0, int((until - page.ctx.now).total_seconds()))
    return page.render(
        "book_details.html", sms_consent_wording=sms_consent_wording(page.settings.name),
        status_code=status_code, kind=kind, location=location,
        zone=zone, starts=starts, until=until, seconds_left=seconds, hold=hold, tz=tz,
        link=link, form=form, errors=errors,
    )  # fmt: skip


async def _count(request: Request, settings: AppSettings) -> None:
    """The anonymous booking limits of POST /api/v1/appointments, per client and contact."""
    form = await request.form()
    limits = _throttle(request, settings)
    contacts = [
        f"{kind}:{value}".lower()
        for kind in ("phone", "email")
        if isinstance(value := form.get(kind), str) and value
    ]
    link = form.get("link")
    contacts += [f"token:{link}"] if isinstance(link, str) and link else []
    await run_in_threadpool(
        limits.attempt, client_key=_client_key(request, limits), contacts=contacts
    )


PAGE_BOOKING_LIMITS = Depends(_count)


def _patient_form(
    given_name: str, family_name: str, date_of_birth: str, phone: str, email: str,
    sms_consent: str, email_consent: str,
) -> dict[str, str]:  # fmt: skip
    return {
        "given_name": given_name, "family_name": family_name, "date_of_birth": date_of_birth,
        "phone": phone, "email": email, "sms_consent": sms_consent, "email_consent": email_consent,
    }  # fmt: skip


def _booking(hold: uuid.UUID, link: str, form: dict[str, str]) -> BookingIn:
    """The API's booking body; ValidationError says what to fix."""
    if link:
        return BookingIn(hold_id=hold, manage_token=link)
    patient = PatientIn.model_validate(
        {
            **{k: v.strip() or None for k, v in form.items() if not k.endswith("consent")},
            "sms_consent": form["sms_consent"] == "yes",
            "email_consent": form["email_consent"] == "yes",
        }
    )
    return BookingIn(hold_id=hold, patient=patient)


# Refusals whose API wording means nothing to a patient.
REFUSED = {
    "idempotency_key_reused": (
        "This time is already booked with the details you first gave. To change them, use "
        "the link in your confirmation or call us."
    ),
}


def readable(error: ValidationError) -> list[str]:
    labels = {"given_name": "First name", "family_name": "Last name", "phone": "Mobile phone",
              "date_of_birth": "Date of birth", "email": "Email"}  # fmt: skip
    messages = []
    for item in error.errors():
        where = [str(part) for part in item["loc"] if part not in ("patient",)]
        label = labels.get(where[-1], "") if where else ""
        text = str(item["msg"]).removeprefix("Value error, ")
        messages.append(f"{label}: {text}" if label else text[0].upper() + text[1:])
    return messages


@router.post("/book/details", dependencies=[PAGE_BOOKING_LIMITS])
def confirm(
    page: PublicPage,
    hold: Annotated[uuid.UUID, Form()],
    type: Annotated[uuid.UUID, Form()],
    location: Annotated[uuid.UUID, Form()],
    starts: Annotated[UtcDatetime, Form()],
    until: Annotated[UtcDatetime, Form()],
    tz: Annotated[str, Form(max_length=64)] = "",
    link: Annotated[str, Form(max_length=1000)] = "",
    given_name: Annotated[str, Form(max_length=200)] = "",
    family_name: Annotated[str, Form(max_length=200)] = "",
    date_of_birth: Annotated[str, Form(max_length=20)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    sms_consent: Annotated[str, Form(max_length=3)] = "",
    email_consent: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    form = _patient_form(given_name, family_name, date_of_birth, phone, email, sms_consent,
                         email_consent)  # fmt: skip
    shown: dict[str, Any] = {
        "hold": hold, "type_id": type, "location_id": location, "starts": starts,
        "until": until, "tz": tz, "link": link, "form": form,
    }  # fmt: skip
    try:
        data = _booking(hold, link, form)
    except ValidationError as invalid:
        return _details_page(page, **shown, errors=readable(invalid), status_code=422)
    try:
        with page.ctx.session.begin_nested():
            # Keyed by the hold: a second press of the button (or a reload of the POST)
            # gives the same appointment again, never a second one or a false "taken".
            booked = idempotency.book_once(
                page.ctx, data=data, key=f"page-hold:{hold}", new_link=False
            )
    except DomainError as refused:
        if refused.code == "slot_taken" or refused.code == "not_found":
            return _times_page(page, type_id=type, location_id=location, tz=tz or None,
                               week=None, link=link, message=TAKEN, status_code=409)  # fmt: skip
        said = REFUSED.get(refused.code) or refused.message[0].upper() + refused.message[1:]
        return _details_page(page, **shown, errors=[said], status_code=refused.status)
    if booked.replayed:  # the link already sent keeps working: say where it is
        return page.render("book_again.html", clinic=clinic_info.clinic_information(
            page.ctx, clinic_name=page.settings.name))  # fmt: skip
    return see_other(f"/manage/{booked.manage_token}?" + _query({"booked": 1, "tz": tz}))
