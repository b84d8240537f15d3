"""The clinician's pages: their own day and week, and calendar feeds shown once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx2 as httpx
from playwright.sync_api import Page, expect

from booking.demo import DemoLogin
from booking.models import Role
from booking.services.context import Actor, Context
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer, sign_in
from tests.booking.web.setup_helpers import (
    book_consultation,
    clinician_id,
    esketamine_session_done,
)

OWN = "Dr. Maya Okafor"  # the demo clinician login's clinician
OTHER = "Dr. Samuel Reyes"
# The suite's clock: Thursday 26 November 2026, 10:00 in Boston.
LATER_TODAY = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # 12:00 PM in Boston
# The demo has one consult room: the other clinician's consultation comes after.
AFTERNOON = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_a_clinician_sees_their_own_day_and_week(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    db, clock = live_server.database, live_server.clock
    book_consultation(db, clock, clinician=OWN, patient="Alex", at=LATER_TODAY)
    book_consultation(db, clock, clinician=OTHER, patient="Priya", at=AFTERNOON)
    with db.session() as session:
        ctx = Context(session=session, actor=Actor.system("desk"), now=clock.now())
        esketamine_session_done(ctx, clinician_id(db, OWN))
    sign_in(page, demo_clinic[Role.CLINICIAN], path="/clinician/day")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{OWN}: Thursday 26 November 2026")
    visits = page.get_by_role("table").first
    expect(visits).to_contain_text("12:00 PM \N{EN DASH} 1:00 PM")
    expect(visits).to_contain_text("Alex Morgan")
    expect(page.get_by_text("Priya Shah")).to_have_count(0)
    tasks = page.get_by_role("region", name="Tasks due")
    expect(tasks).to_contain_text("Thursday 3 December 2026 at")
    expect(tasks).to_contain_text("REMS monitoring form")
    expect(tasks.get_by_role("cell", name="AM", exact=True)).to_be_visible()
    check_page(page, "clinician-day")

    # Asking for another clinician's day still shows one's own: the role decides.
    page.goto(f"/clinician/day?clinician={clinician_id(db, OTHER)}")
    expect(page.get_by_text("Alex Morgan")).to_have_count(2)  # the consultation, the session
    expect(page.get_by_text("Priya Shah")).to_have_count(0)

    page.get_by_role("link", name="This week").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{OWN}: week of Monday 23 November 2026"
    )
    expect(page.get_by_role("heading", level=2)).to_have_count(7)
    expect(page.get_by_text("Alex Morgan")).to_have_count(2)  # the consultation, the session
    check_page(page, "clinician-week")


def test_an_admin_picks_whose_day_to_see(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    db, clock = live_server.database, live_server.clock
    book_consultation(db, clock, clinician=OTHER, patient="Priya", at=AFTERNOON)
    sign_in(page, demo_clinic[Role.ADMIN], path="/clinician/day")
    page.get_by_label("Clinician").select_option(label=OTHER)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(OTHER)
    expect(page.get_by_text("Priya Shah")).to_be_visible()


def _shown_address(page: Page) -> str:
    return page.get_by_label("For Google Calendar, Outlook and Thunderbird (https)").input_value()


def test_a_clinician_creates_a_feed_and_rotates_it(
    page: Page, http: httpx.Client, demo_clinic: dict[Role, DemoLogin]
) -> None:
    sign_in(page, demo_clinic[Role.CLINICIAN], path="/clinician/feeds")
    expect(page.get_by_text("No feeds yet.")).to_be_visible()
    expect(page.get_by_role("heading", name="Google Calendar")).to_be_visible()
    page.get_by_role("button", name="Create a calendar feed").click()
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    first = _shown_address(page)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/feeds/.+\.ics", first)
    webcal = page.get_by_label("For Apple Calendar (webcal)").input_value()
    assert webcal.startswith("webcal://")
    assert webcal.endswith(first.split("//", 1)[1])
    calendar = http.get(first)
    assert calendar.status_code == 200
    assert "BEGIN:VCALENDAR" in calendar.text
    check_page(page, "clinician-feed-issued")
    assert page.locator('link[href="/static/staff.css"]').count() == 1
    assert http.get("/static/staff.css").headers["content-type"].startswith("text/css")

    page.goto("/clinician/feeds")  # the address is never shown again
    assert first not in page.content()
    expect(page.get_by_role("cell", name=OWN, exact=True)).to_be_visible()
    check_page(page, "clinician-feeds")

    page.get_by_role("button", name=f"New address for {OWN}").click()
    second = _shown_address(page)
    assert second != first
    assert http.get(first).status_code == 404
    assert http.get(second).status_code == 200

    page.get_by_role("button", name=f"Revoke {OWN}").click()
    expect(page.get_by_role("status")).to_have_text(
        "The feed was revoked: its address no longer works."
    )
    expect(page.get_by_text("No feeds yet.")).to_be_visible()
    assert http.get(second).status_code == 404


def test_front_desk_may_not_open_the_clinician_pages(
    page: Page, demo_clinic: dict[Role, DemoLogin]
) -> None:
    sign_in(page, demo_clinic[Role.FRONT_DESK])
    response = page.goto("/clinician/day")
    assert response is not None
    assert response.status == 403
