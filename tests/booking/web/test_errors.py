"""Page routes answer every failure as a page in plain words, never JSON or a traceback."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from booking.web import errors
from booking.web.pages import safe_next
from core.errors import Conflict
from core.settings import Settings


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(name="Harbor Clinic", secret_key="k")
    router = errors.page_router()

    @router.get("/boom")
    def boom() -> HTMLResponse:
        raise RuntimeError("patient Jane Doe's secret")

    @router.get("/taken")
    def taken() -> HTMLResponse:
        raise Conflict("slot_taken", "that time was just taken")

    @router.get("/number")
    def number(n: int) -> HTMLResponse:
        return HTMLResponse(str(n))

    @router.post("/form")
    def form(name: Annotated[str, Form()]) -> HTMLResponse:
        return HTMLResponse(name)

    app.include_router(router)
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


def test_a_bug_is_a_500_page_that_repeats_nothing(client: TestClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert "Jane" not in response.text
    assert "Traceback" not in response.text


def test_a_rule_that_said_no_is_a_page_with_its_status(client: TestClient) -> None:
    response = client.get("/taken")
    assert response.status_code == 409
    assert "That time was just taken." in response.text


def test_unreadable_input_is_a_422_page(client: TestClient) -> None:
    response = client.get("/number?n=abc")
    assert response.status_code == 422
    assert "Please check what you entered" in response.text


def test_pages_forbid_framing_caching_and_referrers(client: TestClient) -> None:
    headers = client.get("/taken").headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_csrf_cookie_is_http_only(client: TestClient) -> None:
    cookie = client.get("/taken").headers["set-cookie"]
    assert "clinic_csrf=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_cookies_are_secure_when_the_clinic_is_served_over_https() -> None:
    app = _app()
    app.state.settings = Settings(secret_key="k", public_url="https://clinic.example")
    cookie = TestClient(app).get("/taken").headers["set-cookie"]
    assert "Secure" in cookie


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/desk?day=2026-11-26", "/desk?day=2026-11-26"),
        ("", "/staff"),
        ("//evil.example", "/staff"),
        ("/\\evil.example", "/staff"),
        ("https://evil.example/", "/staff"),
        ("staff", "/staff"),
        ("/x\r\nSet-Cookie: a=b", "/staff"),
    ],
)
def test_next_only_leads_to_this_site(asked: str, landed: str) -> None:
    assert safe_next(asked) == landed
