"""Staff sign-in and sign-out on a page: the API's sessions, carried in a cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Form, Response
from fastapi.responses import HTMLResponse

from booking.services import sessions
from booking.web.errors import page_router, sentence
from booking.web.pages import (
    AnyStaffPage,
    PublicPage,
    clear_session_cookie,
    safe_next,
    see_other,
    set_session_cookie,
)

router = page_router()


@router.get("/signin")
def signin_form(page: PublicPage, next: str = "") -> HTMLResponse:
    return page.render("signin.html", next=safe_next(next), email="", error=None)


@router.post("/signin")
def signin(
    page: PublicPage,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    ttl = timedelta(hours=page.settings.session_ttl_hours)
    result = sessions.login(page.ctx, email=email.strip(), password=password, ttl=ttl)
    if isinstance(result, sessions.IssuedToken):
        response = see_other(safe_next(next))
        set_session_cookie(response, result.token, settings=page.settings)
        return response
    # Rendered, not raised: the failed attempt the lock-out counts must be committed.
    return page.render(
        "signin.html", status_code=result.status, next=safe_next(next), email=email,
        error=sentence(result.message),
    )  # fmt: skip


@router.post("/signout")
def signout(page: AnyStaffPage) -> Response:
    sessions.logout(page.ctx, session_id=page.staff.session_id)
    response = see_other("/signin?signed_out=1")
    clear_session_cookie(response, settings=page.settings)
    return response


@router.get("/staff")
def staff_home(page: AnyStaffPage) -> HTMLResponse:
    return page.render("staff_home.html")
