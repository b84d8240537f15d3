"""The public front page and the pages errors get."""

from __future__ import annotations

import httpx2 as httpx
from playwright.sync_api import Page, expect

from booking.demo import DemoLogin
from booking.models import Role
from tests.booking.web.browser import check_page


def test_home_page_names_the_clinic_and_offers_booking(
    page: Page, demo_clinic: dict[Role, DemoLogin]
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor Clinic")
    expect(page.get_by_role("heading", name="Book a consultation")).to_be_visible()
    expect(page.get_by_role("link", name="Consultation")).to_be_visible()
    expect(page.get_by_text("100 Harbor Street, Suite 2, Boston, MA 02110")).to_be_visible()
    expect(page.get_by_role("link", name="(617) 555-0100")).to_have_attribute(
        "href", "tel:+16175550100"
    )
    expect(page.get_by_role("link", name="Staff sign-in")).to_be_visible()
    check_page(page, "home")


def test_home_page_without_a_clinic_set_up_still_answers(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_text("Online booking is not open right now")).to_be_visible()


def test_an_unknown_page_is_a_readable_html_page(page: Page, http: httpx.Client) -> None:
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "not-found")
    assert http.get("/api/v1/no-such-thing").headers["content-type"] == ("application/problem+json")


def test_a_get_on_a_form_address_is_a_page_not_json(http: httpx.Client) -> None:
    response = http.get("/signout")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "POST" in response.headers["allow"]
