"""The patient's manage page, at the link booking hands out (``/manage/{token}``): the
visit in plain words, moving it, cancelling it, adding it to a calendar, and booking a
follow-up. The same services as ``/api/v1/manage/…``; an unknown or expired link gets a
page with the clinic's phone number (404)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import Form, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

import booking.api.manage  # noqa: F401 - registers the manage_token path convertor
from booking.schemas.appointments import RescheduleIn
from booking.schemas.fields import CalendarDate
from booking.schemas.manage import ManageView
from booking.services import clinic_info, manage_times, manage_view
from booking.web import times
from booking.web.book import TAKEN
from booking.web.errors import page_router, sentence
from booking.web.pages import PageContext, PublicPage, see_other
from core.errors import DomainError, NotFound

router = page_router()
LINK = "/manage/{token:manage_token}"


def _missing(page: PageContext) -> HTMLResponse:
    clinic = clinic_info.clinic_information(page.ctx, clinic_name=page.settings.name)
    phones = [loc for loc in clinic.locations if loc.phone]
    return page.render("manage_missing.html", status_code=404, places=phones)


def _view(page: PageContext, token: str) -> ManageView | None:
    try:
        return manage_view.view(page.ctx, token=token, clinic_name=page.settings.name)
    except NotFound:
        return None


@router.get(LINK)
def manage(page: PublicPage, token: str, booked: str = "", moved: str = "",
           cancelled: str = "") -> HTMLResponse:  # fmt: skip
    view = _view(page, token)
    if view is None:
        return _missing(page)
    done = "booked" if booked else "moved" if moved else "cancelled" if cancelled else ""
    return _manage_page(page, view, token=token, done=done)


def _manage_page(
    page: PageContext, view: ManageView, *, token: str, done: str = "", message: str = "",
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    late = view.cancel.late_after is not None and page.ctx.now >= view.cancel.late_after
    return page.render(
        "manage.html", status_code=status_code, view=view, token=token, done=done,
        message=message, late=late, manage_url=f"{page.settings.public_url.rstrip('/')}"
        f"/manage/{token}", calendar_url=f"/api/v1/manage/{token}/calendar.ics",
    )  # fmt: skip


def _times_page(
    page: PageContext, view: ManageView, *, token: str, tz: str | None, week: date | None,
    message: str = "", status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    zone = times.zone_or(tz, view.timezone)
    start = times.first_day(week, now=page.ctx.now, zone=zone)
    found = manage_times.open_times(
        page.ctx, token=token, first_day=start,
        last_day=start + timedelta(days=times.WEEK - 1), tz=zone,
    )  # fmt: skip
    today = times.first_day(None, now=page.ctx.now, zone=zone)
    previous, following = times.week_links(start, today=today)
    return page.render(
        "manage_times.html", status_code=status_code, view=view, token=token, zone=zone,
        zones=times.zone_choices(zone, view.timezone), days=times.by_day(found), start=start,
        previous=previous, following=following, message=message, zone_asked=bool(tz),
    )  # fmt: skip


@router.get(LINK + "/reschedule")
def reschedule_times(
    page: PublicPage, token: str, tz: str | None = None, week: CalendarDate | None = None
) -> HTMLResponse:
    view = _view(page, token)
    if view is None:
        return _missing(page)
    if not view.reschedule.allowed:
        return _manage_page(page, view, token=token, message=sentence(view.reschedule.note))
    return _times_page(page, view, token=token, tz=tz, week=week)


@router.post(LINK + "/reschedule")
def reschedule(
    page: PublicPage,
    token: str,
    slot: Annotated[str, Form(max_length=64)] = "",
    tz: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        data = RescheduleIn.model_validate({"starts_at": slot})
        with page.ctx.session.begin_nested():
            manage_view.reschedule(page.ctx, token=token, data=data, clinic_name=page.settings.name)
    except ValidationError:
        return _refused(page, token, tz, "Please choose one of the times.", 422)
    except NotFound:
        return _missing(page)
    except DomainError as refused:
        message = TAKEN if refused.code == "slot_taken" else sentence(refused.message)
        return _refused(page, token, tz, message, refused.status)
    return see_other(f"/manage/{token}?moved=1")


def _refused(page: PageContext, token: str, tz: str, message: str, status: int) -> HTMLResponse:
    """Fresh times with a kind word; the visit's own page when it can no longer move."""
    view = _view(page, token)
    if view is None:
        return _missing(page)
    if not view.reschedule.allowed:
        return _manage_page(page, view, token=token, message=message, status_code=status)
    return _times_page(page, view, token=token, tz=tz or None, week=None, message=message,
                       status_code=status)  # fmt: skip


@router.get(LINK + "/cancel")
def cancel_form(page: PublicPage, token: str) -> HTMLResponse:
    view = _view(page, token)
    if view is None:
        return _missing(page)
    late = view.cancel.late_after is not None and page.ctx.now >= view.cancel.late_after
    return page.render("manage_cancel.html", view=view, token=token, late=late)


@router.post(LINK + "/cancel")
def cancel(
    page: PublicPage, token: str, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    try:
        with page.ctx.session.begin_nested():
            manage_view.cancel(page.ctx, token=token, reason=reason.strip(),
                               clinic_name=page.settings.name)  # fmt: skip
    except NotFound:
        return _missing(page)
    except DomainError as refused:
        view = _view(page, token)
        if view is None:
            return _missing(page)
        return _manage_page(page, view, token=token, message=sentence(refused.message),
                            status_code=refused.status)  # fmt: skip
    return see_other(f"/manage/{token}?cancelled=1")
