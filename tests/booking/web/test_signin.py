"""Staff sign in and out on the page: the API's sessions in a cookie, its lock-out, CSRF."""

from __future__ import annotations

import re

import httpx2 as httpx
from playwright.sync_api import Page, expect

from booking.demo import DemoLogin
from booking.models import Role
from booking.services.sessions import MAX_FAILED_LOGINS
from tests.booking.web.browser import SCREENSHOTS, check_page
from tests.booking.web.conftest import sign_in

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in_attempt(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_and_out(page: Page, demo_clinic: dict[Role, DemoLogin]) -> None:
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fstaff$"))
    check_page(page, "signin")
    sign_in(page, demo_clinic[Role.FRONT_DESK])
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Demo front desk")
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    check_page(page, "staff-home")
    cookie = next(c for c in page.context.cookies() if c["name"] == "clinic_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert not cookie["secure"]  # served over http here; https sets Secure (test_cookies)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/signin\?next="))


def test_a_wrong_password_says_so_and_keeps_the_email(
    page: Page, demo_clinic: dict[Role, DemoLogin]
) -> None:
    page.goto("/signin")
    _sign_in_attempt(page, demo_clinic[Role.ADMIN].email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value(demo_clinic[Role.ADMIN].email)
    check_page(page, "signin-wrong-password")


def test_repeated_wrong_passwords_lock_the_account(
    page: Page, demo_clinic: dict[Role, DemoLogin]
) -> None:
    login = demo_clinic[Role.CLINICIAN]
    page.goto("/signin")
    for _ in range(MAX_FAILED_LOGINS):
        _sign_in_attempt(page, login.email, "guess")
        expect(page.get_by_role("alert")).to_be_visible()
    _sign_in_attempt(page, login.email, login.password)  # right, but too late
    expect(page.get_by_role("alert")).to_have_text(
        "Too many failed sign-ins; try again in 15 minutes."
    )
    assert "/staff" not in page.url


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(
    http: httpx.Client, demo_clinic: dict[Role, DemoLogin]
) -> None:
    login = demo_clinic[Role.ADMIN]
    token = TOKEN.search(http.get("/signin").text)
    assert token is not None
    for asked, landed in [("/staff?x=1", "/staff?x=1"), ("//evil.example/", "/staff")]:
        form = {"email": login.email, "password": login.password, "next": asked}
        response = http.post("/signin", data=form | {"csrf_token": token[1]})
        assert response.status_code == 303
        assert response.headers["location"] == landed


def test_a_form_posted_without_its_csrf_token_is_refused(
    http: httpx.Client, demo_clinic: dict[Role, DemoLogin]
) -> None:
    login = demo_clinic[Role.ADMIN]
    form = {"email": login.email, "password": login.password}
    refused = http.post("/signin", data=form)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in refused.text
    assert "clinic_session" not in refused.headers.get("set-cookie", "")

    token = TOKEN.search(http.get("/signin").text)  # sets this client's CSRF cookie
    assert token is not None
    forged = http.post("/signin", data=form | {"csrf_token": "0" * 64})
    assert forged.status_code == 403
    accepted = http.post("/signin", data=form | {"csrf_token": token[1]})
    assert accepted.status_code == 303


def test_a_token_from_another_browser_is_refused(
    http: httpx.Client, live_server: object, demo_clinic: dict[Role, DemoLogin]
) -> None:
    token = TOKEN.search(http.get("/signin").text)
    assert token is not None
    with httpx.Client(base_url=str(http.base_url), timeout=30) as other:
        other.get("/signin")  # its own cookie, not the one the token was made for
        login = demo_clinic[Role.ADMIN]
        form = {"email": login.email, "password": login.password, "csrf_token": token[1]}
        assert other.post("/signin", data=form).status_code == 403


def test_a_staff_page_redirects_to_sign_in_when_signed_out(http: httpx.Client) -> None:
    response = http.get("/staff")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fstaff"
    http.cookies.set("clinic_session", "not-a-session")
    assert http.get("/staff").status_code == 303


def test_screenshots_are_saved_for_review(page: Page, demo_clinic: dict[Role, DemoLogin]) -> None:
    page.goto("/signin")
    check_page(page, "signin")
    assert (SCREENSHOTS / "signin.png").stat().st_size > 1000
