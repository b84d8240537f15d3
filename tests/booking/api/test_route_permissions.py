"""No route can be left open: walk every route of the app and knock on it.

Anonymous calls to anything outside PUBLIC_ROUTES get 401; a signed-in role outside a
route's RoleGuard gets 403. A new route without a guard fails the first test. Pages
(PageRoute, guarded by PageGuard, a RoleGuard) answer as a browser expects: signed out is
a redirect to the sign-in page, the wrong role a 403 page, and no form POST gets past a
missing CSRF token.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from booking.api.deps import RoleGuard
from booking.api.webhooks import SIGNED_ROUTES
from booking.app import PUBLIC_ROUTES
from booking.models import Role
from booking.web.errors import PageRoute
from tests.conftest import MakeStaff, SignedIn

DUMMY_ID = str(uuid.UUID(int=1))


def _guards(dependant: Dependant) -> Iterator[RoleGuard]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleGuard):
            yield sub.call
        yield from _guards(sub)


def _concrete(path: str) -> str:
    # Path parameters get a well-formed value, so only the guard can refuse the call.
    path = path.replace("{kind}", "time-off")
    return re.sub(r"\{[^}]+\}", DUMMY_ID, path)


def _calls(
    app: FastAPI, *, pages: bool | None = None
) -> list[tuple[str, str, frozenset[Role] | None]]:
    """(method, path, roles allowed) for every HTTP route, included routers flattened;
    ``pages``: only page routes (True) or only the API's (False)."""
    calls = []
    for route in iter_route_contexts(app.routes):
        if pages is not None and isinstance(route.original_route, PageRoute) is not pages:
            continue
        if route.path is None or route.methods is None:
            continue
        dependant = getattr(route, "dependant", None)
        guards = list(_guards(dependant)) if isinstance(dependant, Dependant) else []
        roles = frozenset.intersection(*(g.roles for g in guards)) if guards else None
        for method in sorted(route.methods - {"HEAD"}):
            calls.append((method, route.path, roles))
    return calls


def test_every_non_public_route_has_a_role_guard(app: FastAPI) -> None:
    unguarded = [
        (method, path)
        for method, path, roles in _calls(app)
        if roles is None and (method, path) not in PUBLIC_ROUTES
    ]
    assert unguarded == []
    assert len(_calls(app)) > 30  # the walk really saw the API


def test_the_public_list_names_exactly_the_unguarded_routes(app: FastAPI) -> None:
    """No stale entry: a renamed public route cannot leave its old name on the list."""
    unguarded = {(method, path) for method, path, roles in _calls(app) if roles is None}
    assert unguarded == PUBLIC_ROUTES


def test_anonymous_calls_get_401_problem(app: FastAPI, client: TestClient) -> None:
    for method, path, roles in _calls(app, pages=False):
        if roles is None:
            continue
        response = client.request(method, _concrete(path))
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_bogus_token_gets_401(app: FastAPI, client: TestClient) -> None:
    headers = {"Authorization": "Bearer not-a-real-token"}
    for method, path, roles in _calls(app, pages=False):
        if roles is not None:
            response = client.request(method, _concrete(path), headers=headers)
            assert response.status_code == 401, (method, path)


def test_roles_outside_the_guard_get_403(
    app: FastAPI, client: TestClient, make_staff: MakeStaff
) -> None:
    signed_in = {role: make_staff(role) for role in Role}
    checked = 0
    for method, path, roles in _calls(app, pages=False):
        if roles is None:
            continue
        for role in set(Role) - roles:
            response = client.request(method, _concrete(path), headers=signed_in[role].headers)
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["code"] == "forbidden"
            checked += 1
    assert checked > 10


def test_public_routes_answer_without_a_token(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/api/v1/clinic").status_code == 200


def test_signed_webhooks_refuse_an_unsigned_call_with_403(client: TestClient) -> None:
    """Public to Twilio only: without its signature a webhook is refused, token or not."""
    assert SIGNED_ROUTES <= PUBLIC_ROUTES
    for method, path in SIGNED_ROUTES:
        response = client.request(method, path, data={"MessageSid": "SM1", "Body": "STOP"})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == "invalid_signature"


_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _csrf(client: TestClient) -> dict[str, str]:
    """A form token for this client (its CSRF cookie is set by the page that shows it)."""
    found = _CSRF.search(client.get("/signin").text)
    assert found is not None
    return {"csrf_token": found[1]}


def _page_session(client: TestClient, signed_in: SignedIn) -> None:
    """The page session is the API's: the same token, carried in the cookie."""
    client.cookies.set("clinic_session", signed_in.headers["Authorization"].split()[1])


def test_pages_are_walked(app: FastAPI) -> None:
    calls = _calls(app, pages=True)
    assert ("GET", "/staff", frozenset(Role)) in calls
    assert ("GET", "/", None) in calls


def test_signed_out_staff_pages_redirect_to_sign_in(app: FastAPI, client: TestClient) -> None:
    form = _csrf(client)
    for method, path, roles in _calls(app, pages=True):
        if roles is None:
            continue
        response = client.request(
            method, _concrete(path), data=form if method == "POST" else None,
            follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 303, (method, path, response.text)
        assert response.headers["location"].startswith("/signin"), (method, path)
        client.cookies.set("clinic_session", "not-a-real-token")
        again = client.request(method, _concrete(path), data=form if method == "POST" else None)
        assert again.url.path == "/signin", (method, path)
        client.cookies.delete("clinic_session")


def test_roles_outside_a_page_guard_get_a_403_page(
    app: FastAPI, client: TestClient, make_staff: MakeStaff
) -> None:
    signed_in = {role: make_staff(role) for role in Role}
    form = _csrf(client)
    for method, path, roles in _calls(app, pages=True):
        if roles is None:
            continue
        for role in set(Role) - roles:
            _page_session(client, signed_in[role])
            response = client.request(
                method, _concrete(path), data=form if method == "POST" else None
            )
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.headers["content-type"].startswith("text/html")


def test_every_page_form_refuses_a_post_without_its_csrf_token(
    app: FastAPI, client: TestClient, make_staff: MakeStaff
) -> None:
    _page_session(client, make_staff(Role.ADMIN))  # signed in with every role's powers
    posts = [(m, p) for m, p, _ in _calls(app, pages=True) if m not in {"GET", "HEAD"}]
    assert ("POST", "/signin") in posts
    _csrf(client)  # the browser has its cookie; only the form's token is missing
    for method, path in posts:
        response = client.request(method, _concrete(path), data={"x": "1"})
        assert response.status_code == 403, (method, path, response.text)
        assert "did not come from this site" in response.text, (method, path)
