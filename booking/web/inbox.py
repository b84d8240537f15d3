"""The staff inbox page: urgent texts (crisis words) first with their on-call alert's
state, then unhandled texts, then handled ones; mark one handled, or reply to it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Response
from fastapi.responses import HTMLResponse

from booking.notice_rules import quiet_hours
from booking.services import inbox, replies, staff_views
from booking.web import words
from booking.web.errors import page_router
from booking.web.pages import AnyStaffPage, StaffPageContext, see_other
from core.errors import DomainError

router = page_router()


def inbox_page(
    page: StaffPageContext, *, status_code: int = 200, failed: uuid.UUID | None = None,
    error: str | None = None, text: str = "", reason: str = "",
) -> HTMLResponse:  # fmt: skip
    view = staff_views.inbox_view(page.ctx)
    return page.render(
        "inbox.html", status_code=status_code, view=view, failed=failed, error=error,
        text=text, reason=reason, words=words,
    )  # fmt: skip


@router.get("/inbox")
def show(page: AnyStaffPage) -> HTMLResponse:
    return inbox_page(page)


@router.post("/inbox/{message_id}/handled")
def handled(page: AnyStaffPage, message_id: uuid.UUID) -> Response:
    inbox.mark_handled(page.ctx, message_id=message_id)
    return see_other("/inbox?handled=1")


@router.post("/inbox/{message_id}/reply")
def reply(
    page: AnyStaffPage,
    message_id: uuid.UUID,
    text: Annotated[str, Form(max_length=4000)] = "",
    quiet_hours_reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = words.reply_form(text, quiet_hours_reason)
    if isinstance(form, str):
        return inbox_page(page, status_code=422, failed=message_id, error=form, text=text,
                          reason=quiet_hours_reason)  # fmt: skip
    try:
        replies.reply_to_message(
            page.ctx, message_id=message_id, text=form.text,
            quiet_hours_reason=form.quiet_hours_reason, hours=quiet_hours(page.settings),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status == 404:
            raise
        return inbox_page(
            page, status_code=exc.status, failed=message_id, error=words.refused(exc),
            text=text, reason=quiet_hours_reason,
        )  # fmt: skip
    return see_other("/inbox?replied=1")
