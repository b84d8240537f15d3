"""Patient pages for staff: search, the patient's record (contact and consent, their
appointments, the text conversation), a text to the patient, a new manage link."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Query, Response
from fastapi.responses import HTMLResponse

from booking.notice_rules import quiet_hours
from booking.services import manage_links, patients, replies, staff_views
from booking.web import nav, words
from booking.web.errors import page_router
from booking.web.pages import AnyStaffPage, FrontDeskPage, StaffPageContext, see_other
from core.errors import DomainError

router = page_router()
SEARCH_LIMIT = 50
BOOKING_PAGE = "/desk/book"  # the desk pages' booking for a patient, when served


@router.get("/desk/patients")
def search(page: AnyStaffPage, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    found = patients.search_patients(page.ctx, text=q.strip(), limit=SEARCH_LIMIT) if q else []
    return page.render(
        "patient_search.html", q=q, found=found, limit=SEARCH_LIMIT,
        booking_page=_booking_page(page),
    )  # fmt: skip


def _booking_page(page: StaffPageContext) -> str | None:
    return BOOKING_PAGE if nav.serves(page.request.app, BOOKING_PAGE) else None


def record_page(
    page: StaffPageContext, patient_id: uuid.UUID, *, status_code: int = 200,
    error: str | None = None, text: str = "", reason: str = "",
) -> HTMLResponse:  # fmt: skip
    record = staff_views.patient_record(page.ctx, patient_id=patient_id)
    return page.render(
        "patient_record.html", status_code=status_code, record=record, error=error,
        text=text, reason=reason, words=words,
        booking_page=_booking_page(page),
    )  # fmt: skip


@router.get("/desk/patients/{patient_id}")
def record(page: AnyStaffPage, patient_id: uuid.UUID) -> HTMLResponse:
    return record_page(page, patient_id)


@router.post("/desk/patients/{patient_id}/messages")
def message(
    page: AnyStaffPage,
    patient_id: uuid.UUID,
    text: Annotated[str, Form(max_length=4000)] = "",
    quiet_hours_reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = words.reply_form(text, quiet_hours_reason)
    if isinstance(form, str):
        return record_page(page, patient_id, status_code=422, error=form, text=text,
                           reason=quiet_hours_reason)  # fmt: skip
    try:
        replies.message_patient(
            page.ctx, patient_id=patient_id, text=form.text,
            quiet_hours_reason=form.quiet_hours_reason, hours=quiet_hours(page.settings),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status == 404:
            raise
        return record_page(page, patient_id, status_code=exc.status, error=words.refused(exc),
                           text=text, reason=quiet_hours_reason)  # fmt: skip
    return see_other(f"/desk/patients/{patient_id}?sent=1#conversation")


@router.post("/desk/appointments/{appointment_id}/manage-link")
def new_manage_link(page: FrontDeskPage, appointment_id: uuid.UUID) -> HTMLResponse:
    """Shown once, on this answer (never in an address): the token is stored only hashed."""
    token = manage_links.reissue(page.ctx, appointment_id=appointment_id)
    return page.render(
        "manage_link.html", status_code=201, appointment_id=appointment_id,
        url=manage_links.url(page.settings.public_url, token),
    )  # fmt: skip
