"""The waitlist offer page, opened from the link in the text the dispatcher really sent:
book the held time, let it go to the next person, or find the offer ended."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect

from booking.demo import CLINICIANS as DEMO_CLINICIANS
from booking.demo import DemoLogin
from booking.dispatching import Dispatcher
from booking.models import Role
from booking.web import formats
from tests.booking.api.offer_helpers import build_dispatcher
from tests.booking.web import clinic
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import FakeTwilio

MONDAY = date(2026, 11, 30)
_numbers = itertools.count(1)
CLINICIANS = re.compile("|".join(re.escape(shown) for _, _, shown in DEMO_CLINICIANS))


@pytest.fixture
def dispatcher(live_server: LiveServer, fake_twilio: FakeTwilio, fake_smtp: FakeSmtp) -> Dispatcher:
    """Sends with the live server's settings, so the offer link points at it."""
    return build_dispatcher(
        live_server.database, live_server.settings, live_server.clock, fake_twilio, fake_smtp
    )


@pytest.fixture
def desk(http: httpx.Client, demo_clinic: dict[Role, DemoLogin]) -> dict[str, str]:
    return _login(http, demo_clinic[Role.FRONT_DESK])


def _login(http: httpx.Client, login: DemoLogin) -> dict[str, str]:
    body = {"email": login.email, "password": login.password}
    response = http.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _patient(http: httpx.Client, desk: dict[str, str], *gates: str) -> dict[str, Any]:
    """A patient who takes texts, with ``gates`` recorded (``desk`` must be clinical too)."""
    n = next(_numbers)
    body = {"given_name": "Dana", "family_name": f"Waits{n}", "date_of_birth": "1982-06-01",
            "phone": f"+1617555{8000 + n:04d}", "sms_consent": True}  # fmt: skip
    patient = http.post("/api/v1/patients", json=body, headers=desk)
    assert patient.status_code == 201, patient.text
    made: dict[str, Any] = patient.json()
    for gate in gates:
        url = f"/api/v1/patients/{made['id']}/gates"
        assert http.post(url, json={"gate": gate}, headers=desk).status_code == 200
    return made


def _join(http: httpx.Client, desk: dict[str, str], kind: str = "", *gates: str) -> dict[str, Any]:
    """A patient waiting for a ``kind`` visit (a consultation) on Monday 30 November."""
    patient = _patient(http, desk, *gates)
    entry = http.post("/api/v1/waitlist", headers=desk, json={
        "patient_id": patient["id"], "appointment_type_id": kind or clinic.type_id(http),
        "earliest": str(MONDAY), "latest": str(MONDAY)})  # fmt: skip
    assert entry.status_code == 201, entry.text
    return {"phone": patient["phone"], "entry": entry.json()["id"]}


def _free_a_monday_time(http: httpx.Client, desk: dict[str, str]) -> str:
    """Someone books Monday's first consultation and cancels it: the time frees up."""
    kind = clinic.type_id(http)
    starts = clinic.open_starts(http, kind, MONDAY)[0]
    booked = clinic.book(http, kind, starts)["appointment"]
    url = f"/api/v1/appointments/{booked['id']}/cancel"
    cancelled = http.post(url, json={"reason": "travel"}, headers=desk)
    assert cancelled.status_code == 200, cancelled.text
    return starts


def _offer_path(fake_twilio: FakeTwilio, live: LiveServer, phone: str) -> str:
    """The path of the offer link in the one text sent to ``phone``."""
    [sms] = fake_twilio.to(phone)
    found = re.search(re.escape(live.url) + r"(/offers/[A-Za-z0-9_\-]+)", sms.body)
    assert found is not None, sms.body
    return found.group(1)


def _opened(page: Page, path: str) -> int:
    """The status the page's address answered with."""
    response = page.goto(path)
    assert response is not None
    return response.status


def _entry(http: httpx.Client, desk: dict[str, str], entry: str) -> dict[str, Any]:
    shown: dict[str, Any] = next(
        e for e in http.get("/api/v1/waitlist", headers=desk).json() if e["id"] == entry
    )
    return shown


def test_a_waiting_patient_books_the_offered_time_from_the_text(
    page: Page, http: httpx.Client, desk: dict[str, str], dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, live_server: LiveServer,
) -> None:  # fmt: skip
    waiting = _join(http, desk)
    starts = _free_a_monday_time(http, desk)
    dispatcher.run_once()
    path = _offer_path(fake_twilio, live_server, waiting["phone"])

    assert _opened(page, path) == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("A time has opened up for you")
    local = formats.when(datetime.fromisoformat(starts), "America/New_York")
    assert local.startswith("Monday 30 November 2026 at ")
    expect(page.get_by_text(f"{local} (America/New York)")).to_be_visible()
    expect(page.get_by_text(CLINICIANS)).to_be_visible()
    expect(page.get_by_text("100 Harbor Street, Suite 2, Boston")).to_be_visible()
    expect(page.get_by_role("link", name="(617) 555-0100")).to_be_visible()
    expect(page.get_by_text("Thursday 26 November 2026 at 10:30 AM").first).to_be_visible()
    expect(page.get_by_label("Their name")).to_have_count(0)  # a consultation needs no escort
    check_page(page, "offer")

    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    token = page.url.split("/manage/")[1].split("?")[0]
    booked = clinic.manage(http, token)
    assert (booked["status"], booked["starts_at"][:16]) == ("booked", starts[:16])
    assert _entry(http, desk, waiting["entry"])["status"] == "booked"

    page.goto(path)  # the link again, once used
    expect(page.get_by_role("heading", level=1)).to_have_text("This time is already booked")
    check_page(page, "offer-taken")


def test_letting_the_time_go_offers_it_to_the_next_patient(
    page: Page, http: httpx.Client, desk: dict[str, str], dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, live_server: LiveServer,
) -> None:  # fmt: skip
    first = _join(http, desk)
    live_server.clock.advance(timedelta(minutes=1))
    second = _join(http, desk)
    _free_a_monday_time(http, desk)
    dispatcher.run_once()
    assert fake_twilio.to(second["phone"]) == []
    page.goto(_offer_path(fake_twilio, live_server, first["phone"]))
    page.get_by_role("button", name="Let it go").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for letting us know")
    expect(page.get_by_text("You are still on our waiting list")).to_be_visible()
    check_page(page, "offer-declined")
    assert _entry(http, desk, first["entry"])["status"] == "waiting"
    dispatcher.run_once()
    _offer_path(fake_twilio, live_server, second["phone"])  # the next patient's text went
    assert _entry(http, desk, second["entry"])["status"] == "matched"


def test_an_ended_link_and_an_unknown_one_get_a_page_with_the_phone(
    page: Page, http: httpx.Client, desk: dict[str, str], dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, live_server: LiveServer,
) -> None:  # fmt: skip
    waiting = _join(http, desk)
    _free_a_monday_time(http, desk)
    dispatcher.run_once()
    path = _offer_path(fake_twilio, live_server, waiting["phone"])
    page.goto(path)  # opened in time, answered too late
    live_server.clock.advance(timedelta(minutes=31))
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer has ended")
    expect(page.get_by_role("link", name="(617) 555-0100")).to_be_visible()
    assert _entry(http, desk, waiting["entry"])["status"] == "matched"  # nothing was booked
    dispatcher.run_once()  # the expiry pass: back to waiting, as the page says
    assert _entry(http, desk, waiting["entry"])["status"] == "waiting"

    assert _opened(page, path) == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer has ended")
    check_page(page, "offer-ended")

    assert _opened(page, "/offers/not-a-real-offer") == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer link does not work")
    expect(page.get_by_role("link", name="(617) 555-0100")).to_be_visible()


def test_a_visit_that_needs_an_escort_asks_for_one_before_booking(
    page: Page, http: httpx.Client, demo_clinic: dict[Role, DemoLogin],
    dispatcher: Dispatcher, fake_twilio: FakeTwilio, live_server: LiveServer,
) -> None:  # fmt: skip
    admin = _login(http, demo_clinic[Role.ADMIN])  # records gates and books for the clinic
    kinds = http.get("/api/v1/appointment-types", headers=admin).json()
    infusion = next(k["id"] for k in kinds if k["name"] == "IV ketamine infusion")
    ready = ("consult_completed", "consent_signed")
    waiting = _join(http, admin, infusion, *ready)
    other = _patient(http, admin, *ready)
    query = {"appointment_type_id": infusion, "start": str(MONDAY), "end": str(MONDAY)}
    starts = http.get("/api/v1/availability", params=query, headers=admin).json()["slots"][0]
    starts = starts["starts_at"]
    body = {"appointment_type_id": infusion, "starts_at": starts, "patient_id": other["id"],
            "escort": {"name": "Pat Rivera", "phone": "617-555-0199"}}  # fmt: skip
    booked = http.post("/api/v1/appointments", json=body, headers=admin)
    assert booked.status_code == 201, booked.text
    url = f"/api/v1/appointments/{booked.json()['appointment']['id']}/cancel"
    assert http.post(url, json={"reason": "unwell"}, headers=admin).status_code == 200
    dispatcher.run_once()

    page.goto(_offer_path(fake_twilio, live_server, waiting["phone"]))
    expect(page.get_by_role("group", name="Who will take you home?")).to_be_visible()
    page.get_by_label("Their name").fill("Sam Ortiz")
    page.get_by_label("Their phone").fill("12")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("alert")).to_contain_text("Their phone: not a valid phone number")
    expect(page.get_by_label("Their name")).to_have_value("Sam Ortiz")  # kept for the retry
    check_page(page, "offer-escort")
    page.get_by_label("Their phone").fill("617-555-0123")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    expect(page.get_by_text("Sam Ortiz, (617) 555-0123")).to_be_visible()


def test_an_offer_that_ended_while_the_page_was_open_says_so_when_answered(
    page: Page, http: httpx.Client, desk: dict[str, str], dispatcher: Dispatcher,
    fake_twilio: FakeTwilio, live_server: LiveServer,
) -> None:  # fmt: skip
    waiting = _join(http, desk)
    _free_a_monday_time(http, desk)
    dispatcher.run_once()
    page.goto(_offer_path(fake_twilio, live_server, waiting["phone"]))
    left = http.delete(f"/api/v1/waitlist/{waiting['entry']}", headers=desk)
    assert left.status_code == 204  # the desk took them off the list meanwhile
    page.get_by_role("button", name="Let it go").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer is no longer open")
    expect(page.get_by_text("You are no longer on our waiting list")).to_be_visible()
    expect(page.get_by_role("link", name="(617) 555-0100")).to_be_visible()
    check_page(page, "offer-closed")
