"""Pages answer their own errors as HTML in plain words; the API keeps its problem JSON.

Every page route is a :class:`PageRoute`: its handler checks the CSRF token of a POST
before anything else and turns whatever goes wrong (a rule that said no, a form that did
not parse, a lost race, a bug) into an error page. Paths that match no route get the same
treatment unless they belong to the API (``API_PREFIXES``).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from booking.api.deps import READ_METHODS
from booking.api.redaction import redact
from booking.web.pages import (
    CSRF_FIELD,
    CsrfRefused,
    SignInRequired,
    csrf_valid,
    render,
    see_other,
    signin_url,
)
from core.db import gave_up_waiting, lost_race, refused_as_data
from core.errors import Busy, DomainError
from core.settings import Settings

log = logging.getLogger("clinic.web")

# Paths that are the API's (problem JSON), whatever the route table says.
API_PREFIXES = ("/api/", "/feeds/", "/webhooks/", "/docs", "/openapi.json", "/health")

TITLES = {
    400: "That request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not available this way",
    409: "That just changed",
    422: "Please check what you entered",
    429: "Please wait a moment",
    503: "The clinic is busy",
    500: "Something went wrong",
}


def sentence(text: str) -> str:
    """A service message ("slot is taken") as a sentence ("Slot is taken.")."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def error_page(request: Request, status: int, message: str, **extra: Any) -> Response:
    title = TITLES.get(status, HTTPStatus(status).phrase)
    response = render(
        request, "error.html", status_code=status, title=title, message=sentence(message),
        **extra,
    )  # fmt: skip
    if status in (429, 503) and "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def _validation_message(exc: RequestValidationError) -> str:
    fields = sorted({str(e.get("loc", ("", "?"))[-1]).replace("_", " ") for e in exc.errors()})
    return "some of what was sent could not be read (" + ", ".join(fields[:5]) + ")"


def answer(request: Request, exc: Exception) -> Response:
    """The page for an exception raised while serving a page route."""
    if isinstance(exc, SignInRequired):
        # A POST's own path may answer only POST: come back to the site's staff home.
        return see_other(signin_url(request) if request.method == "GET" else "/signin")
    if isinstance(exc, DomainError):
        return error_page(request, exc.status, exc.message, **exc.extra)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 422, _validation_message(exc))
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return error_page(request, exc.status_code, _plain_http(exc.status_code, detail))
    path = redact(request.url.path)
    if lost_race(exc):
        log.info("concurrent change on %s %s", request.method, path)
        return error_page(request, 409, _RACE)
    if gave_up_waiting(exc):
        log.warning("lock wait ran out on %s %s", request.method, path)
        busy = Busy()
        return error_page(request, 503, busy.message, **busy.extra)
    if refused_as_data(exc):
        return error_page(request, 422, "a value entered cannot be stored as given")
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method, path, frames)
    return error_page(request, 500, "something went wrong on our side; nothing was saved")


_RACE = "the schedule changed at the same moment; nothing was saved, please try again"


def _plain_http(status: int, detail: str) -> str:
    if status == 404:
        return "there is no page at this address. Check the link, or start from the home page"
    if status == 405:
        return "this page cannot be used that way. Start again from the home page"
    return detail


async def _csrf_checked(request: Request) -> None:
    settings: Settings = request.app.state.settings
    form = await request.form()  # parsed once: the route's Form() fields reuse it
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        raise CsrfRefused()


class PageRoute(APIRoute):
    """A route that answers HTML: CSRF on every unsafe method, errors as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                if request.method not in READ_METHODS:
                    await _csrf_checked(request)
                return await handler(request)
            except Exception as exc:  # every failure of a page is a page
                return answer(request, exc)

        return page_handler


def page_router() -> APIRouter:
    """A router for page modules: PageRoute, and kept out of the API's OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def is_page_path(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def install(app: FastAPI) -> None:
    """Addresses that match no route (404, 405) answer a page outside the API's prefixes;
    the API's handler, installed before, keeps its problem JSON."""
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it
        if not is_page_path(request.url.path):
            response = api_handler(request, exc)
            return await response if isinstance(response, Awaitable) else response
        page = answer(request, exc)
        if exc.status_code == 405 and exc.headers:
            page.headers.update(exc.headers)
        return page

    app.exception_handler(StarletteHTTPException)(on_http_error)
