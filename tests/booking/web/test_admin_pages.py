"""The clinic setup on pages: forms on the API's schemas, the stranded-bookings warning and
its go-ahead, staff accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from booking.demo import DemoLogin
from booking.models import Location, Role, StaffUser
from booking.services import attention
from booking.services.context import Actor, Context
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer, sign_in
from tests.booking.web.setup_helpers import book_consultation

OWN = "Dr. Maya Okafor"
FRIDAY_MORNING = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 AM in Boston


def test_an_admin_adds_a_location(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin")
    check_page(page, "admin-home")
    page.get_by_role("link", name="Locations").click()
    check_page(page, "admin-locations")
    page.get_by_role("link", name="Add location").click()
    page.get_by_label("Name").fill("Harbor North")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value("Harbor North")  # what was typed stays
    check_page(page, "admin-location-refused")

    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Address").fill("1 North Street, Boston, MA")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor North")
    check_page(page, "admin-location")
    with live_server.database.session() as session:
        added = session.scalar(select(Location).where(Location.name == "Harbor North"))
        assert added is not None
        assert (added.timezone, added.address, added.active) == (
            "America/New_York",
            "1 North Street, Boston, MA",
            True,
        )


def test_time_off_that_strands_a_booking_asks_first_then_lists_it(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    db, clock = live_server.database, live_server.clock
    booked = book_consultation(db, clock, clinician=OWN, patient="Alex", at=FRIDAY_MORNING)
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/clinicians")
    page.get_by_role("link", name=OWN).click()
    time_off = page.get_by_role("region", name="Time off")
    time_off.get_by_label("From").fill("2026-11-27T00:00")
    time_off.get_by_label("Until").fill("2026-11-28T00:00")
    time_off.get_by_label("Reason (staff only)").fill("Conference")
    time_off.get_by_role("button", name="Add time off").click()

    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("This change strands 1 booked appointment(s).")
    expect(warning).to_contain_text("Friday 27 November 2026 at 10:00 AM")
    expect(warning).to_contain_text("AM")  # the patient's initials, nothing more
    check_page(page, "admin-time-off-warning")
    with db.session() as session:  # nothing saved yet
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        assert attention.needs_attention(ctx) == []

    page.get_by_role("region", name="Time off").get_by_role(
        "button", name="Go ahead anyway"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_role("region", name="Time off")).to_contain_text("(Conference)")
    check_page(page, "admin-clinician")
    with db.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        stranded = attention.needs_attention(ctx)
    assert [s.appointment_id for s in stranded] == [booked]


def test_an_admin_creates_a_staff_account_that_can_sign_in(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/staff")
    check_page(page, "admin-staff")
    page.get_by_role("link", name="Add staff account").click()
    page.get_by_label("Name").fill("Dana Front")
    page.get_by_label("Email").fill("dana@harbor.example")
    page.get_by_label("Role").select_option(label="Front desk")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Add staff account").click()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Add staff account").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    with live_server.database.session() as session:
        made = session.scalar(select(StaffUser).where(StaffUser.email == "dana@harbor.example"))
        assert made is not None
        assert (made.name, made.role, made.active) == ("Dana Front", Role.FRONT_DESK, True)

    page.get_by_role("button", name="Sign out").click()
    page.goto("/staff")
    page.get_by_label("Email").fill("dana@harbor.example")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana Front")


def test_types_rooms_and_reminders_pages(page: Page, demo_clinic: dict[Role, DemoLogin]) -> None:
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/types")
    check_page(page, "admin-types")
    page.get_by_role("link", name="Esketamine nasal spray (REMS)").click()
    expect(page.get_by_label("REMS monitoring form due within (days)")).to_have_value("7")
    check_page(page, "admin-type")
    page.get_by_label("Late cancellation within (hours)").fill("48")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Late cancellation within (hours)")).to_have_value("48")
    expect(page.get_by_label("Needs an escort home")).to_be_checked()  # untouched
    page.get_by_role("link", name="Reminders and tasks for this type").click()
    check_page(page, "admin-notice-policy")
    page.get_by_label("Set here (otherwise the default)").first.check()
    page.get_by_label("Sent").first.uncheck()
    page.get_by_role("button", name="Save reminders").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_label("Sent").first).not_to_be_checked()
    page.get_by_label("Set here (otherwise the default)").nth(1).check()
    page.get_by_label("Offset (minutes)").first.fill("99999999")  # beyond a month
    page.get_by_role("button", name="Save reminders").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the fields marked below.")
    expect(page.get_by_role("alert")).to_contain_text("less than or equal to 43200")
    page.goto("/admin/rooms")
    expect(page.get_by_role("link", name="Chair 1")).to_be_visible()
    check_page(page, "admin-rooms")


def test_only_admins_open_the_setup(page: Page, demo_clinic: dict[Role, DemoLogin]) -> None:
    sign_in(page, demo_clinic[Role.FRONT_DESK])
    response = page.goto("/admin/locations")
    assert response is not None
    assert response.status == 403


def test_a_clinician_saved_unchanged_keeps_their_visits_and_taking_one_asks_first(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    db, clock = live_server.database, live_server.clock
    booked = book_consultation(db, clock, clinician=OWN, patient="Alex", at=FRIDAY_MORNING)
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/clinicians")
    page.get_by_role("link", name=OWN).click()
    consult = page.get_by_label("Consult (psychiatric evaluation)")
    expect(consult).to_be_checked()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(consult).to_be_checked()

    consult.uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("This change strands 1 booked")
    expect(consult).not_to_be_checked()  # the form keeps what was asked
    page.get_by_role("button", name="Go ahead anyway").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(consult).not_to_be_checked()
    with db.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        stranded = attention.needs_attention(ctx)
    assert [(s.appointment_id, s.reason) for s in stranded] == [(booked, "clinician_unqualified")]


def test_a_date_with_other_hours_is_added_and_removed(
    page: Page, demo_clinic: dict[Role, DemoLogin]
) -> None:
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/clinicians")
    page.get_by_role("link", name=OWN).click()
    dates = page.get_by_role("region", name="Other hours on one date")
    dates.get_by_label("Date").fill("2026-12-05")
    dates.get_by_label("From").fill("09:00")
    dates.get_by_label("Until").fill("12:00")
    dates.get_by_role("button", name="Add date").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(dates).to_contain_text("Saturday 5 December 2026: 09:00\N{EN DASH}12:00")
    dates.get_by_role("button", name="Remove this date").click()
    expect(dates).to_contain_text("None.")


def test_removing_weekly_hours_under_a_booking_asks_first(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    db, clock = live_server.database, live_server.clock
    booked = book_consultation(db, clock, clinician=OWN, patient="Alex", at=FRIDAY_MORNING)
    sign_in(page, demo_clinic[Role.ADMIN], path="/admin/clinicians")
    page.get_by_role("link", name=OWN).click()
    hours = page.get_by_role("region", name="Weekly hours")
    friday = hours.get_by_role("listitem").filter(has_text="Friday")
    friday.get_by_role("button", name="Remove this weekly hours").click()
    expect(hours.get_by_role("alert")).to_contain_text("This change strands 1 booked")
    expect(hours).to_contain_text("Friday 08:00")  # not removed yet
    hours.get_by_role("button", name="Go ahead and remove it").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(hours).not_to_contain_text("Friday 08:00")
    with db.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        assert [s.appointment_id for s in attention.needs_attention(ctx)] == [booked]
