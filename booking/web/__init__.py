"""The pages people use: server-rendered HTML on the same services as the JSON API.

``pages`` holds what every page module builds on (rendering, page contexts, staff guards,
CSRF), ``errors`` the page route class and error pages; each area has its own module.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from booking.web import (
    admin,
    book,
    clinician,
    desk,
    desk_book,
    errors,
    inbox,
    manage,
    nav,
    offer,
    patients,
    public,
    signin,
)

STATIC = Path(__file__).parent / "static"
# patients before desk_book: the patient search at /desk/patients is the staff record's.
ROUTERS = (
    public.router, signin.router, book.router, manage.router, patients.router, desk.router,
    desk_book.router, inbox.router, offer.router, clinician.router, *admin.ROUTERS,
)  # fmt: skip
# Pages anyone may open; the staff pages are held to a role by their PageGuard.
# The manage and offer pages' secret link is the credential, as for /api/v1/manage
# and /api/v1/offers.
PUBLIC_PAGES = frozenset(
    {
        ("GET", "/"),
        ("GET", "/signin"),
        ("POST", "/signin"),
        ("GET", "/book"),
        ("POST", "/book/hold"),
        ("GET", "/book/details"),
        ("POST", "/book/details"),
        ("GET", manage.LINK),
        ("GET", manage.LINK + "/reschedule"),
        ("POST", manage.LINK + "/reschedule"),
        ("GET", manage.LINK + "/cancel"),
        ("POST", manage.LINK + "/cancel"),
        ("GET", offer.LINK),
        ("POST", offer.LINK + "/accept"),
        ("POST", offer.LINK + "/decline"),
        ("GET", offer.LINK + "/declined"),
    }
)


def addresses() -> list[tuple[str, str]]:
    """(what, path) of the pages `clinic demo` prints: the public ones and each staff area
    whose page exists (see nav.LINKS)."""
    served = {getattr(route, "path", None) for router in ROUTERS for route in router.routes}
    staff = [(f"{link.label} (staff)", link.href) for link in nav.LINKS if link.href in served]
    return [("Booking and contact (public)", "/"), ("Staff sign-in", "/signin"), *staff]


def install(app: FastAPI) -> None:
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
