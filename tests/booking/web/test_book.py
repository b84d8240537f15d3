"""A patient books from the public page: type, time in their zone, hold, details, booked."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from booking.models import Appointment, Patient
from tests.booking.web import clinic
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer

THURSDAY = date(2026, 11, 26)  # the frozen clock's day (10:00 in New York)
PATIENT = {"First name": "Ann", "Last name": "Lee", "Mobile phone": "+16175550111",
           "Email": "ann@example.com"}  # fmt: skip


def _choose_first_time(page: Page) -> str:
    first = page.locator("input[name=slot]").first
    value = first.get_attribute("value")
    assert value is not None
    page.locator(f"label[for='{first.get_attribute('id')}']").click()
    return value


def _fill_details(page: Page) -> None:
    for label, value in PATIENT.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Date of birth").fill("1980-02-03")


def test_a_patient_books_a_consult_from_the_public_page(
    page: Page, live_server: LiveServer, demo_clinic: object
) -> None:
    page.goto("/")
    page.get_by_role("link", name="Consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time: Consultation")
    expect(page.get_by_label("Times are shown in this time zone")).to_have_value("America/New_York")
    check_page(page, "book-times")
    chosen = _choose_first_time(page)
    page.get_by_role("button", name="Hold this time").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_role("timer")).to_contain_text("left")
    sms, email = page.get_by_label(re.compile("text me")), page.get_by_label(re.compile("email me"))
    expect(sms).not_to_be_checked()
    expect(email).not_to_be_checked()
    expect(sms).to_have_accessible_name(re.compile("Msg & data rates may apply"))
    expect(sms).to_have_accessible_name(re.compile("Reply HELP for help, STOP to opt out"))
    expect(sms).to_have_accessible_name(re.compile("Harbor Clinic appointment texts"))
    check_page(page, "book-details")
    _fill_details(page)
    sms.check()
    page.get_by_role("button", name="Book this visit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    link = page.locator(".manage-link a")
    expect(link).to_have_text(re.compile(rf"^{live_server.url}/manage/"))
    check_page(page, "book-confirmed")
    calendar = page.request.get(
        page.get_by_role("link", name="Add to calendar").get_attribute("href") or ""
    )
    assert calendar.headers["content-type"].startswith("text/calendar")

    with live_server.database.session() as session:
        booked = session.scalars(select(Appointment)).one()
        patient = session.get(Patient, booked.patient_id)
        assert patient is not None
        assert booked.starts_at.isoformat() == chosen
        assert (patient.given_name, patient.phone) == ("Ann", "+16175550111")
        assert patient.sms_consent_at is not None
        assert patient.email_consent_at is None  # left unticked: not given


def test_times_are_shown_in_the_browsers_zone(
    browser: Browser, live_server: LiveServer, demo_clinic: object
) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        kind = clinic.type_id(http)
    context = browser.new_context(base_url=live_server.url, timezone_id="America/Los_Angeles")
    try:
        page = context.new_page()
        page.goto(f"/book?type={kind}")
        expect(page).to_have_url(re.compile(r"tz=America%2FLos_Angeles"))
        zone = page.get_by_label("Times are shown in this time zone")
        expect(zone).to_have_value("America/Los_Angeles")
        first_pacific = page.locator(".slot label").first.inner_text()
        zone.select_option("America/New_York")
        page.get_by_role("button", name="Show times").click()
        expect(page.locator(".slot label").first).not_to_have_text(first_pacific)
    finally:
        context.close()


def test_without_javascript_the_clinics_zone_is_shown(
    browser: Browser, live_server: LiveServer, demo_clinic: object
) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        kind = clinic.type_id(http)
    context = browser.new_context(
        base_url=live_server.url, timezone_id="Europe/Paris", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"/book?type={kind}")
        expect(page.get_by_label("Times are shown in this time zone")).to_have_value(
            "America/New_York"
        )
        page.locator(".slot label").first.click()
        page.get_by_role("button", name="Hold this time").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    finally:
        context.close()


def test_a_time_taken_before_the_hold_gets_a_kind_message_and_fresh_times(
    page: Page, http: httpx.Client, demo_clinic: object
) -> None:
    kind = clinic.type_id(http)
    page.goto(f"/book?type={kind}")
    chosen = _choose_first_time(page)
    clinic.book(http, kind, chosen)  # someone else, meanwhile
    page.get_by_role("button", name="Hold this time").click()
    expect(page.get_by_role("alert")).to_contain_text("someone else took that time")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time: Consultation")
    expect(page.locator(f"input[name=slot][value='{chosen}']")).to_have_count(0)
    check_page(page, "book-time-taken")


def test_a_time_taken_after_the_hold_ran_out_gets_the_kind_message(
    page: Page, http: httpx.Client, live_server: LiveServer, demo_clinic: object
) -> None:
    kind = clinic.type_id(http)
    page.goto(f"/book?type={kind}")
    chosen = _choose_first_time(page)
    page.get_by_role("button", name="Hold this time").click()
    _fill_details(page)
    live_server.clock.advance(timedelta(minutes=11))  # the hold ran out while typing
    clinic.book(http, kind, chosen)
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was booked")
    expect(page.locator("input[name=slot]").first).to_be_visible()


def test_details_that_do_not_parse_are_shown_to_fix(page: Page, demo_clinic: object) -> None:
    page.goto("/book")
    page.get_by_role("link", name="Consultation").click()
    _choose_first_time(page)
    page.get_by_role("button", name="Hold this time").click()
    _fill_details(page)
    page.get_by_label("Mobile phone").fill("12")
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_role("alert")).to_contain_text("Mobile phone")
    expect(page.get_by_label("First name")).to_have_value("Ann")
    check_page(page, "book-details-errors")


def test_an_unknown_visit_type_lists_the_bookable_ones(page: Page, demo_clinic: object) -> None:
    response = page.goto("/book?type=00000000-0000-0000-0000-000000000001")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("link", name="Consultation")).to_be_visible()
    check_page(page, "book-types")


def test_pressing_book_twice_books_once(http: httpx.Client, live_server: LiveServer,
                                        demo_clinic: object) -> None:  # fmt: skip
    kind = clinic.type_id(http)
    times_page = http.get(f"/book?type={kind}").text
    token = re.search(r'name="csrf_token" value="(\w+)"', times_page)
    location = re.search(r'name="location" value="([^"]+)"', times_page)
    slot = re.search(r'name="slot" id="[^"]+" value="([^"]+)"', times_page)
    assert token
    assert location
    assert slot
    form = {"csrf_token": token[1], "type": kind, "location": location[1]}
    held = http.post("/book/hold", data=form | {"slot": slot[1]})
    assert held.status_code == 303
    query = dict(httpx.URL(held.headers["location"]).params)
    details = {k: query[k] for k in ("hold", "starts", "until")} | {
        "given_name": "Ann", "family_name": "Lee", "date_of_birth": "1980-02-03",
        "phone": "+16175550111",
    }  # fmt: skip
    first = http.post("/book/details", data=form | details)
    second = http.post("/book/details", data=form | details)
    assert first.status_code == 303
    assert first.headers["location"].startswith("/manage/")
    # The second press says so, and the link the first gave (and the confirmation carries)
    # keeps working: a replay must not end it.
    assert second.status_code == 200
    assert "already booked when you pressed the button again" in second.text
    assert http.get(first.headers["location"]).status_code == 200
    with live_server.database.session() as session:
        assert len(session.scalars(select(Appointment)).all()) == 1


@pytest.mark.parametrize(
    "query",
    [
        "week=9999-12-25",  # a date past any plannable day: it used to overflow into a 500
        "week=2026-02-30",
    ],
)
def test_a_week_out_of_range_is_a_422_page(
    http: httpx.Client, demo_clinic: object, query: str
) -> None:
    response = http.get(f"/book?type={clinic.type_id(http)}&{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "until",
    ["2026-12-02T05:57:03", "0001-01-01T00:00:00+14:00"],  # no offset; before any plannable day
)
def test_a_hold_time_the_server_cannot_read_is_a_422_page(
    http: httpx.Client, demo_clinic: object, until: str
) -> None:
    kind = clinic.type_id(http)
    location = http.get("/api/v1/clinic").json()["locations"][0]["id"]
    query = {"hold": str(uuid.uuid4()), "type": kind, "location": location,
             "starts": "2026-12-03T13:00:00+00:00", "until": until}  # fmt: skip
    response = http.get("/book/details", params=query)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
