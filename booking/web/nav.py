"""The staff navigation: each page area once, with the roles that see it.

An entry shows only once a route answers its address, so an area's module adds its routes
and its link appears (the areas are built by separate modules: desk, inbox, clinician, admin).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from booking.models import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    roles: frozenset[Role]


_DESK = frozenset({Role.ADMIN, Role.FRONT_DESK})
LINKS = (
    NavLink("Staff home", "/staff", frozenset(Role)),
    NavLink("Day board", "/desk", _DESK),
    NavLink("Patients", "/desk/patients", _DESK),
    NavLink("Inbox", "/inbox", frozenset(Role)),
    NavLink("My schedule", "/clinician", frozenset({Role.CLINICIAN})),
    NavLink("Calendar feeds", "/clinician/feeds", frozenset({Role.ADMIN, Role.CLINICIAN})),
    NavLink("Clinic setup", "/admin", frozenset({Role.ADMIN})),
)


def _served(app: FastAPI) -> frozenset[str]:
    """The addresses the app answers, read once per app (routes do not change once served)."""
    served: frozenset[str] | None = getattr(app.state, "nav_paths", None)
    if served is None:
        paths = (route.path for route in iter_route_contexts(app.routes))
        served = frozenset(path for path in paths if isinstance(path, str))
        app.state.nav_paths = served
    return served


def links_for(app: FastAPI, role: Role) -> list[NavLink]:
    served = _served(app)
    return [link for link in LINKS if role in link.roles and link.href in served]


def serves(app: FastAPI, path: str) -> bool:
    """Whether a page at ``path`` exists (a page links to another area's page only then)."""
    return path in _served(app)
