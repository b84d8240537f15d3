"""The patient's manage link: the visit in plain words, move it, cancel it, a dead link."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx2 as httpx
from playwright.sync_api import Page, expect

from tests.booking.web import clinic
from tests.booking.web.browser import check_page

TUESDAY = date(2026, 12, 1)  # well outside the 24 h late-cancel window of the frozen clock
THURSDAY = date(2026, 11, 26)  # the frozen day: 10:00 in New York


def _booked(http: httpx.Client, day: date, index: int = 0) -> tuple[str, str]:
    """(manage token, its page's path) of a consult booked through the API."""
    kind = clinic.type_id(http)
    booked = clinic.book(http, kind, clinic.open_starts(http, kind, day)[index])
    token = booked["manage_token"]
    assert booked["manage_url"].endswith(f"/manage/{token}")
    return token, f"/manage/{token}"


def test_a_patient_reschedules_and_cancels_from_the_manage_link(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    token, path = _booked(http, TUESDAY)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.get_by_text("Tuesday 1 December 2026 at 8:00 AM")).to_be_visible()
    expect(page.get_by_role("heading", name="Before your visit")).to_be_visible()
    expect(page.get_by_text("Bring a list of the medicines you take")).to_be_visible()
    check_page(page, "manage")

    page.get_by_role("link", name="Move to another time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment")
    check_page(page, "manage-reschedule")
    wednesday = page.get_by_role("group", name="Wednesday 2 December 2026")
    target = wednesday.locator("input[name=slot]").nth(2)
    chosen = target.get_attribute("value")
    wednesday.locator(f"label[for='{target.get_attribute('id')}']").click()
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("has been moved"))
    moved = clinic.manage(http, token)
    assert moved["starts_at"].startswith("2026-12-02T")
    assert chosen is not None
    assert moved["starts_at"][:16] == _local(chosen)

    page.get_by_role("link", name="Cancel this visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    expect(page.get_by_text("late cancellation")).to_have_count(0)
    check_page(page, "manage-cancel")
    page.get_by_label("Reason (optional)").fill("I feel better")
    page.get_by_role("button", name="Yes, cancel this visit").click()
    expect(page.get_by_role("status")).to_have_text("Your visit is cancelled.")
    expect(page.locator(".status-cancelled")).to_have_text("Cancelled")
    assert clinic.manage(http, token)["status"] == "cancelled"
    assert clinic.manage(http, token)["late_cancel"] is False
    check_page(page, "manage-cancelled")


def _local(utc: str) -> str:
    """The UTC instant a form sent as New York wall time, to compare with the API's answer."""
    return datetime.fromisoformat(utc).astimezone(ZoneInfo("America/New_York")).isoformat()[:16]


def test_a_late_cancel_is_announced_before_and_recorded_after(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    kind = clinic.type_id(http)
    soonest = clinic.open_starts(http, kind, date(2026, 11, 27))[0]  # within 24 h
    token = clinic.book(http, kind, soonest)["manage_token"]
    page.goto(f"/manage/{token}")
    expect(page.get_by_role("link", name="Move to another time")).to_have_count(0)
    expect(page.get_by_text("call the clinic to move it")).to_be_visible()
    page.get_by_role("link", name="Cancel this visit").click()
    expect(page.get_by_role("alert")).to_contain_text("counts as a late cancellation")
    page.get_by_role("button", name="Yes, cancel this visit").click()
    expect(page.locator(".status-cancelled")).to_contain_text("a late cancellation")
    assert clinic.manage(http, token)["late_cancel"] is True


def test_a_time_taken_while_moving_gets_the_kind_message(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    _, path = _booked(http, TUESDAY)
    page.goto(path + "/reschedule")
    group = page.get_by_role("group", name="Wednesday 2 December 2026")
    target = group.locator("input[name=slot]").first
    chosen = target.get_attribute("value")
    assert chosen is not None
    group.locator(f"label[for='{target.get_attribute('id')}']").click()
    clinic.book(http, clinic.type_id(http), chosen, phone="+16175550177")  # someone else
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("alert")).to_contain_text("someone else took that time")
    expect(page.locator(f"input[name=slot][value='{chosen}']")).to_have_count(0)


def test_an_unknown_link_gets_a_helpful_page_with_the_clinics_phone(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    response = page.goto("/manage/not-a-real-link")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This appointment link does not work")
    expect(page.get_by_role("link", name="(617) 555-0100")).to_be_visible()
    check_page(page, "manage-missing")
    assert http.get("/manage/not-a-real-link/reschedule").status_code == 404


def test_a_follow_up_starts_from_the_manage_link_and_says_what_it_needs(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    _, path = _booked(http, TUESDAY)
    page.goto(path)
    page.get_by_role("link", name="Book a follow-up or another visit").click()
    page.get_by_role("link", name="Follow-up visit").click()
    page.locator(".slot label").first.click()
    page.get_by_role("button", name="Hold this time").click()
    expect(page.get_by_text("booked for the patient of your appointment link")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_count(0)
    page.get_by_role("button", name="Book this visit").click()
    # The consult is not completed yet: the gate's own words, on the page, not an error page.
    expect(page.get_by_role("alert")).to_contain_text("consult")
