"""What every page module builds on: templates, the page context, staff guards, CSRF.

The API for page modules (``desk.py``, ``inbox.py`` … follow the same shape)::

    router = page_router()                       # PageRoute: HTML errors, CSRF on POST

    @router.get("/desk")
    def board(page: FrontDeskPage) -> HTMLResponse:   # or page_staff(Role.X, ...)
        day = some_service.call(page.ctx, ...)        # the API's own service entry points
        return page.render("desk.html", day=day)

    @router.post("/desk/check-in")
    def check_in(page: FrontDeskPage, appointment: Annotated[uuid.UUID, Form()]) -> Response:
        ...
        return see_other("/desk")                # POST, then redirect, then GET

Forms include ``{{ csrf_field() }}``; a POST without a valid token never reaches the route.
A signed-out visitor to a staff page is sent to ``/signin?next=…`` (303), a signed-in one
without the role gets a readable 403 page. Errors raised anywhere in a page route
(``DomainError``, validation, a lost race) become an HTML page (see :mod:`booking.web.errors`).

No ``from __future__ import annotations``: the dependency closures need their annotations
evaluated where they are defined (as in booking.api.deps).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from booking.api.deps import ALL_ROLES, AppClock, AppSettings, DbSession, RoleGuard
from booking.models import Role
from booking.services.context import Actor, Context
from booking.services.sessions import SignedInStaff, authenticate
from booking.web import formats, nav
from core.errors import DomainError, Forbidden, Unauthenticated
from core.settings import Settings

HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
formats.install(TEMPLATES)

SESSION_COOKIE = "clinic_session"
CSRF_COOKIE = "clinic_csrf"
CSRF_FIELD = "csrf_token"

# Pages carry patient details and, on the manage page, the secret link in the address:
# no other site may frame them, read them from a cache or learn the address as a referrer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


class SignInRequired(DomainError):
    """A staff page asked for without a (valid) session cookie: answered with a redirect."""

    def __init__(self) -> None:
        super().__init__("unauthenticated", "please sign in", 401)


class CsrfRefused(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "csrf_refused",
            "this form was out of date or did not come from this site, so nothing was saved. "
            "Go back, reload the page and try again",
            403,
        )


# --- CSRF: a random per-browser value in a cookie, the form carries its HMAC --------------


def _browser_nonce(request: Request) -> str:
    """The browser's CSRF value: its cookie, or a new one set by the next rendered page."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 16 <= len(existing) <= 128:
        return existing
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(24)
        request.state.new_csrf = fresh
    return fresh


def csrf_token(request: Request, settings: Settings) -> str:
    """What a form carries: bound to this browser's cookie and to this server's secret, so
    another site can neither read it nor make one up."""
    key = f"csrf:{settings.secret_key}".encode()
    return hmac.new(key, _browser_nonce(request).encode(), hashlib.sha256).hexdigest()


def csrf_valid(request: Request, settings: Settings, submitted: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str):
        return False
    return secrets.compare_digest(submitted, csrf_token(request, settings))


def _secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def _set_cookies(request: Request, response: HTMLResponse, settings: Settings) -> None:
    fresh = getattr(request.state, "new_csrf", None)
    if fresh is not None and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=_secure(settings),
            path="/",
        )  # fmt: skip


def set_session_cookie(response: RedirectResponse, token: str, *, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.session_ttl_hours * 3600, httponly=True,
        samesite="lax", secure=_secure(settings), path="/",
    )  # fmt: skip


def clear_session_cookie(response: RedirectResponse, *, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(settings), path="/"
    )


# --- rendering ------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    *,
    staff: SignedInStaff | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """The template inside base.html, with the clinic name, the staff nav and CSRF field."""
    settings: Settings = request.app.state.settings
    token = csrf_token(request, settings)
    body = TEMPLATES.get_template(template).render(
        request=request,
        clinic_name=settings.name,
        staff=staff,
        nav=nav.links_for(request.app, staff.role) if staff else [],
        current_path=request.url.path,
        csrf_field=lambda: Markup(  # noqa: S704 - the token is hex, nothing to escape
            f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'
        ),
        csrf_token=token,
        **values,
    )
    response = HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
    _set_cookies(request, response, settings)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a POST: the browser GETs ``url`` (no re-post on reload)."""
    return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)


def safe_next(target: str | None, default: str = "/staff") -> str:
    """Only a path on this site: never another host (``//evil``, ``/\\evil``, ``https:``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def signin_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/signin?next={quote(target, safe='')}"


# --- page contexts ----------------------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """A page request: the service Context, who is signed in (None: a patient) and the
    settings. ``ctx.actor`` is the staff member on staff pages, the online patient else."""

    request: Request
    ctx: Context
    settings: Settings
    staff: SignedInStaff | None

    def render(self, template: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
        return render(self.request, template, staff=self.staff, status_code=status_code, **values)


@dataclass(frozen=True)
class StaffPageContext(PageContext):
    staff: SignedInStaff


def _signed_in(request: Request, ctx: Context) -> SignedInStaff | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return authenticate(ctx.acting_as(Actor.system("auth")), token=token)
    except Unauthenticated:
        return None


async def public_page(
    request: Request, session: DbSession, clock: AppClock, settings: AppSettings
) -> PageContext:
    """Public pages act for an anonymous patient even when staff are signed in (the nav
    still shows them their pages): a patient's page never gains the clinic's powers."""
    ctx = Context(session=session, actor=Actor.online(), now=clock.now(), settings=settings)
    staff = _signed_in(request, ctx) if SESSION_COOKIE in request.cookies else None
    return PageContext(request=request, ctx=ctx, settings=settings, staff=staff)


PublicPage = Annotated[PageContext, Depends(public_page)]


class PageGuard(RoleGuard):
    """The page twin of the API's RoleGuard (the route-permission test finds either): the
    session cookie instead of a bearer token; signed out is a redirect, not a 401."""

    def __call__(  # type: ignore[override]
        self, request: Request, session: DbSession, clock: AppClock
    ) -> SignedInStaff:
        ctx = Context(session=session, actor=Actor.system("auth"), now=clock.now())
        staff = _signed_in(request, ctx)
        if staff is None:
            raise SignInRequired()
        if staff.role not in self.roles:
            raise Forbidden()
        return staff


def page_staff(*roles: Role) -> Any:
    """``Depends`` for a StaffPageContext of a signed-in member holding one of ``roles``."""
    guard = PageGuard(frozenset(roles) or ALL_ROLES)

    async def dependency(
        request: Request,
        session: DbSession,
        clock: AppClock,
        settings: AppSettings,
        signed_in: Annotated[SignedInStaff, Depends(guard)],
    ) -> StaffPageContext:
        ctx = Context(session=session, actor=signed_in.actor, now=clock.now(), settings=settings)
        return StaffPageContext(request=request, ctx=ctx, settings=settings, staff=signed_in)

    return Depends(dependency)


AnyStaffPage = Annotated[StaffPageContext, page_staff()]
AdminPage = Annotated[StaffPageContext, page_staff(Role.ADMIN)]
FrontDeskPage = Annotated[StaffPageContext, page_staff(Role.ADMIN, Role.FRONT_DESK)]
ClinicalPage = Annotated[StaffPageContext, page_staff(Role.ADMIN, Role.CLINICIAN)]
