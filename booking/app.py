"""The composition root: settings, database, clock and routers wired into one ASGI app."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from booking import web
from booking.api import (
    appointments,
    attention,
    audit,
    auth,
    clinic,
    clinicians,
    feeds,
    inbox,
    locations,
    manage,
    manage_links,
    notices,
    offers,
    openapi,
    patients,
    problems,
    redaction,
    rooms,
    series,
    staff,
    webhooks,
)
from booking.dispatching import Dispatcher
from core.clock import Clock, SystemClock
from core.db import Database
from core.settings import Settings, get_settings

# Routes anyone may call; the route-permission test holds every other route to a role.
# The booking routes here serve patients and decide per request what a caller may do.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("POST", "/api/v1/auth/login"),
        ("GET", "/api/v1/availability"),
        ("POST", "/api/v1/holds"),
        ("POST", "/api/v1/appointments"),
        ("GET", "/api/v1/manage/{token:manage_token}"),
        ("GET", "/api/v1/manage/{token:manage_token}/calendar.ics"),
        ("POST", "/api/v1/manage/{token:manage_token}/reschedule"),
        ("POST", "/api/v1/manage/{token:manage_token}/cancel"),
        ("GET", "/api/v1/clinic"),
        ("GET", "/api/v1/offers/{token}"),  # a waitlist offer: the secret link is the credential
        ("POST", "/api/v1/offers/{token}/accept"),
        ("POST", "/api/v1/offers/{token}/decline"),
        ("GET", "/feeds/{token:feed_token}.ics"),  # the secret URL is the credential
        *webhooks.SIGNED_ROUTES,  # public, but only Twilio's signed requests are served
        *web.PUBLIC_PAGES,
    }
)


# Requests are matched against the routes in this order, one by one (some 80 µs for a route
# at the end): the booking routes, which carry the load, come first.
ROUTERS = (
    attention.router,  # before appointments: its path would read as an appointment id
    appointments.router,
    auth.router,
    staff.router,
    locations.router,
    clinicians.router,
    rooms.rooms,
    rooms.appointment_types,
    patients.router,
    audit.router,
    notices.router,
    manage.router,
    series.router,
    manage_links.router,
    clinic.router,
    feeds.router,
    feeds.feed,
    webhooks.router,
    inbox.router,
    offers.router,
)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    dispatcher: bool = False,
) -> FastAPI:
    """``dispatcher``: run the notice dispatcher in this process while the app lives."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    owns_database = database is None
    database = database or Database.from_url(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        write_wait_ms=settings.sqlite_write_wait_ms,
    )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = Dispatcher.build(database, settings, clock).runner() if dispatcher else None
        if runner is not None:
            runner.start()
        yield
        if runner is not None:
            runner.stop(wait=True)
        if owns_database:
            database.dispose()

    app = FastAPI(
        title="Clinic booking and reminders",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served offline by openapi.install
        redoc_url=None,
        generate_unique_id_function=openapi.operation_ids(),
        description="Consults, treatment sessions, reminders and staff calendars.",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_api_route("/health", health, methods=["GET"], tags=["ops"], responses=HEALTH)
    web.install(app)  # after problems.install: pages answer HTML, the API problem JSON
    openapi.install(app)
    return app


def serve_app() -> FastAPI:
    """The app as ``clinic serve`` runs it in each worker. Freezing the start-up heap (the
    framework, models, schemas: several hundred thousand objects) keeps the cyclic GC from
    re-scanning it in every full collection, which otherwise stalls requests by ~100 ms."""
    redaction.install()
    app = create_app(dispatcher=get_settings().run_scheduler)
    gc.collect()
    gc.freeze()
    return app


_HEALTH_BODY = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {"status": {"enum": ["ok", "degraded"]}, "database": {"type": "boolean"}},
}
HEALTH: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": _HEALTH_BODY}}},
    503: {
        "description": "The database does not answer.",
        "content": {"application/json": {"schema": _HEALTH_BODY}},
    },
}


def health(request: Request) -> JSONResponse:
    """Liveness plus database reachability (503 when the database does not answer)."""
    database: Database = request.app.state.database
    ok = database.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "degraded", "database": ok}
    return JSONResponse(body, status_code=200 if ok else 503)
