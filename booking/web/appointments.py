"""An appointment as staff read it: the visit in plain words, every notice about it
(planned, sent, failed or not sent and why) and the texts the patient sent about it.

The ``actions`` block of its template is where the day board's actions (check in,
discharge, reschedule) go; this page does not do them itself."""

from __future__ import annotations

import uuid

from fastapi.responses import HTMLResponse

from booking.services import staff_views
from booking.web import words
from booking.web.errors import page_router
from booking.web.pages import AnyStaffPage

router = page_router()


@router.get("/desk/appointments/{appointment_id}")
def appointment(page: AnyStaffPage, appointment_id: uuid.UUID) -> HTMLResponse:
    record = staff_views.appointment_record(page.ctx, appointment_id=appointment_id)
    return page.render("appointment_record.html", record=record, words=words)
