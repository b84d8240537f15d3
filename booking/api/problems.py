"""Every error leaves as RFC 9457 problem JSON with a stable ``code``; never a bare 500."""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking.api.redaction import redact
from core.db import gave_up_waiting, lost_race, refused_as_data
from core.errors import Busy, DomainError

log = logging.getLogger("clinic.api")
PROBLEM_JSON = "application/problem+json"


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"about:blank#{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError) -> JSONResponse:
    return problem(exc.status, exc.code, exc.message, **exc.extra)


def _readable(error: dict[str, Any]) -> dict[str, Any]:
    # Drop the echoed input: it may hold a password or a patient's details.
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return {"field": ".".join(location) or "body", "message": message}


async def _on_domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    return domain_problem(exc)


async def _on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # A body shared by the route and a dependency is validated once per declaration.
    errors = list({tuple(e.items()): e for e in map(_readable, exc.errors())}.values())
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "validation_error", detail, errors=errors)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed"}
    code = codes.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = problem(exc.status_code, code, detail)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110: every method the path answers, across its routes
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex, route_methods = getattr(route, "path_regex", None), route.methods
        if regex is not None and route_methods and regex.match(request.url.path):
            methods |= route_methods
    return sorted(methods)


class ContainUnexpected:
    """Turns an exception no handler took into a problem before it reaches the server: a
    transaction PostgreSQL aborted to settle a race is a 409, a lock wait that ran out a
    503 ``busy``, anything else a 500.

    Only where it happened is logged (type, route, stack frames), never what it said: an
    exception's text can carry patient data (PostgreSQL quotes a failing row), and letting
    it escape would have the server print it whole.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            response = _answer(exc, scope["method"], redact(scope["path"]))  # logs it too
            if not started:
                await response(scope, receive, send)


def _answer(exc: Exception, method: str, path: str) -> JSONResponse:
    if lost_race(exc):
        log.info("concurrent change on %s %s", method, path)
        return problem(409, "concurrent_change", _RACE)
    if gave_up_waiting(exc):
        log.warning("lock wait ran out on %s %s", method, path)
        return domain_problem(Busy())
    if refused_as_data(exc):
        log.info("data the database refused on %s %s", method, path)
        return problem(422, "validation_error", _DATA, errors=[])
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s %s\n%s", type(exc).__name__, method, path, frames)
    return problem(500, "internal_error", "something went wrong; nothing was saved")


_DATA = "a value in this request cannot be stored or searched as given (e.g. a NUL character)"
_RACE = "the schedule changed at the same moment; nothing was saved, please try again"


def install(app: FastAPI) -> None:
    # The decorator form accepts handlers typed for their own exception class.
    app.exception_handler(DomainError)(_on_domain_error)
    app.exception_handler(RequestValidationError)(_on_validation_error)
    app.exception_handler(StarletteHTTPException)(_on_http_error)
    app.add_middleware(ContainUnexpected)
