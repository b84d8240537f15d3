"""Staff pages for a patient's record, an appointment and the inbox, in a real browser: the
front desk finds a patient, texts them (sent through the outbox to the fake Twilio), sees an
urgent text first in the inbox, marks it handled and answers another."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from booking.demo import DemoLogin
from booking.dispatching import Dispatcher
from booking.models import AppointmentType, Patient, Role
from booking.schemas.appointments import BookingIn
from booking.services import appointments
from booking.services.context import Actor, Context
from notifications.channels.base import ChannelKind
from notifications.channels.twilio_sms import TwilioSms
from tests.booking.web.browser import check_page
from tests.booking.web.conftest import LiveServer, sign_in
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

ALEX = "+16175550111"  # the demo's Alex Morgan
PRIYA = "+16175550112"  # the demo's Priya Shah
CRISIS = "i cant do this anymore, i want to kill myself"
ONCALL = "oncall@harbor.example"
NEXT_MONDAY_9 = datetime.fromisoformat("2026-11-30T09:00:00-05:00")


@pytest.fixture
def live_settings_extra() -> dict[str, Any]:
    return {"twilio_auth_token": AUTH_TOKEN, "oncall_email": ONCALL}


def _dispatcher(live_server: LiveServer, fake_twilio: FakeTwilio) -> Dispatcher:
    sms = TwilioSms(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+16175550000",
        api_base=fake_twilio.base_url,
    )  # fmt: skip
    return Dispatcher.build(
        live_server.database, live_server.settings, live_server.clock, {ChannelKind.SMS: sms}
    )


def _book_alex(live_server: LiveServer) -> uuid.UUID:
    """A consult for Alex Morgan next Monday, booked by the clinic (the API's service)."""
    with live_server.database.session() as session:
        ctx = Context(
            session=session, actor=Actor.system("test"), now=live_server.clock.now(),
            settings=live_server.settings,
        )  # fmt: skip
        consult = session.scalar(select(AppointmentType).where(AppointmentType.name.like("Con%")))
        alex = session.scalar(select(Patient).where(Patient.phone == ALEX))
        assert consult is not None
        assert alex is not None
        data = BookingIn(
            appointment_type_id=consult.id, starts_at=NEXT_MONDAY_9, patient_id=alex.id
        )
        booked = appointments.book(ctx, data=data)
        session.commit()
        return booked.appointment.id


def _text_in(live_server: LiveServer, body: str, from_: str) -> None:
    """An inbound SMS as Twilio posts it: signed with the auth token over the public URL."""
    url = live_server.url + "/webhooks/twilio/sms"
    fields = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": ACCOUNT_SID, "From": from_,
              "To": "+16175550000", "Body": body}  # fmt: skip
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, fields)
    answer = httpx.post(url, data=fields, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text


def _section(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name=re.compile(f"^{name}"))


def test_front_desk_finds_a_patient_and_texts_them(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin],
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    visit = _book_alex(live_server)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/desk/patients")
    page.get_by_label("Name, phone or email").fill("morgan")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 patient found")).to_be_visible()
    check_page(page, "desk-patients")
    page.get_by_role("link", name="Alex Morgan", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Morgan")
    expect(page).to_have_title(re.compile("^Patient record"))  # no name in the tab's title
    expect(page.locator("#sms-state")).to_contain_text("Agreed")
    expect(page.locator(f'a[href="/desk/appointments/{visit}"]')).to_contain_text("30 November")
    page.get_by_label("Text to send").fill("Please call us back today.")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("status")).to_have_text("Your text is on its way.")
    said = _section(page, "Texts").locator("li", has_text="Please call us back today.")
    expect(said).to_contain_text("waiting to send")

    _dispatcher(live_server, fake_twilio).run_once()
    [sms] = fake_twilio.to(ALEX)  # the number's first text: the consent wording follows
    assert sms.body.startswith("Please call us back today. Harbor Clinic appointment texts")
    assert sms.body.endswith("Reply STOP to opt out, HELP for help.")
    page.reload()
    expect(said).to_contain_text("· sent")
    check_page(page, "desk-patient")


def test_a_refused_text_says_why_and_keeps_what_was_written(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin],
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/desk/patients?q=555-0111")
    page.get_by_role("link", name="Alex Morgan", exact=True).click()
    page.get_by_label("Text to send").fill("Your ketamine dose is ready")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("alert")).to_contain_text("may not name a drug")
    expect(page.get_by_label("Text to send")).to_have_value("Your ketamine dose is ready")

    live_server.clock.set(datetime.fromisoformat("2026-11-26T22:30:00-05:00"))
    page.get_by_label("Text to send").fill("Running late tomorrow?")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("alert")).to_contain_text("quiet hours")
    check_page(page, "desk-patient-refused")
    page.get_by_label("Reason to send during quiet hours").fill("They asked for an answer tonight")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("status")).to_have_text("Your text is on its way.")
    _dispatcher(live_server, fake_twilio).run_once()
    [sms] = fake_twilio.to(ALEX)  # the number's first text carries the consent wording
    assert sms.body.startswith("Running late tomorrow? Harbor Clinic appointment texts")


def test_the_inbox_puts_an_urgent_text_first_and_staff_handle_and_answer(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin],
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    visit = _book_alex(live_server)
    _text_in(live_server, "can I park out front", PRIYA)
    live_server.clock.advance(timedelta(seconds=1))
    _text_in(live_server, CRISIS, ALEX)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/inbox")

    urgent = _section(page, "Urgent")
    expect(urgent.get_by_role("heading", level=2)).to_have_text("Urgent (1)")
    first = page.locator(".inbox-item").first
    expect(first).to_contain_text(CRISIS)
    expect(first).to_contain_text("Alex Morgan")
    expect(first).to_contain_text("on-call alert waiting to go")
    expect(_section(page, "Not handled yet")).to_contain_text("can I park out front")
    check_page(page, "inbox")

    urgent.get_by_role("button", name=re.compile("^Mark handled")).click()
    expect(page.get_by_role("status")).to_have_text("Marked handled.")
    expect(_section(page, "Urgent")).to_contain_text("No urgent texts.")
    expect(_section(page, "Handled")).to_contain_text(CRISIS)

    waiting = _section(page, "Not handled yet")
    waiting.get_by_text("Reply", exact=False).first.click()
    waiting.get_by_label("Text to send").fill("Parking is free during your infusion")
    waiting.get_by_role("button", name="Send text").click()
    expect(waiting.get_by_role("alert")).to_contain_text("Remove: infusion.")
    expect(waiting.get_by_label("Text to send")).to_be_visible()  # the form stays open
    waiting.get_by_label("Text to send").fill("Yes, the two spaces by the door are ours.")
    waiting.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("status")).to_have_text("Your reply is on its way.")
    _dispatcher(live_server, fake_twilio).run_once()
    [sent] = fake_twilio.to(PRIYA)  # her first text from the clinic: consent wording follows
    assert sent.body.startswith("Yes, the two spaces by the door are ours. Harbor Clinic")

    _section(page, "Handled").get_by_role("link", name="Appointment").click()
    expect(page).to_have_url(re.compile(f"/desk/appointments/{visit}$"))


def test_the_appointment_page_lists_its_notices_and_replies_and_makes_a_new_link(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    visit = _book_alex(live_server)
    _text_in(live_server, "will there be parking", ALEX)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path=f"/desk/appointments/{visit}")

    # Only what any appointment page shows (the desk pages' one may carry these sections).
    expect(page.get_by_text("Monday 30 November 2026 at 9:00 AM").first).to_be_visible()
    expect(page).to_have_title(re.compile("^Appointment"))
    notices = _section(page, "Messages about this appointment")
    expect(notices.get_by_role("row", name=re.compile("Booking confirmation"))).to_be_visible()
    expect(_section(page, "Texts the patient sent")).to_contain_text("will there be parking")
    check_page(page, "desk-appointment")

    page.get_by_role("button", name="Make a new manage link").click()
    expect(page.get_by_label("Manage link")).to_have_value(re.compile(r"/manage/[\w-]{20,}$"))
    check_page(page, "manage-link")


def test_a_clinician_reads_the_pages_but_makes_no_manage_link(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin]
) -> None:
    visit = _book_alex(live_server)
    sign_in(page, demo_clinic[Role.CLINICIAN], path=f"/desk/appointments/{visit}")
    expect(_section(page, "Messages about this appointment")).to_be_visible()
    expect(page.get_by_role("button", name="Make a new manage link")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token is not None
    refused = page.request.post(
        f"/desk/appointments/{visit}/manage-link", form={"csrf_token": token}
    )
    expect_forbidden = "your role may not do this"
    assert refused.status == 403
    assert expect_forbidden in refused.text().lower()
    missing = page.goto(f"/desk/appointments/{uuid.uuid4()}")
    assert missing is not None
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    malformed = page.goto("/desk/patients/not-an-id")
    assert malformed is not None
    assert malformed.status == 422


def test_a_patient_who_replied_stop_shows_as_opted_out_and_gets_no_text(
    page: Page, live_server: LiveServer, demo_clinic: dict[Role, DemoLogin],
    fake_twilio: FakeTwilio,
) -> None:  # fmt: skip
    _text_in(live_server, "STOP", PRIYA)
    sign_in(page, demo_clinic[Role.FRONT_DESK], path="/desk/patients?q=shah")
    page.get_by_role("link", name="Priya Shah", exact=True).click()
    expect(page.locator("#sms-state")).to_contain_text("Opted out (replied STOP)")
    expect(page.locator(".warning")).to_contain_text("does not take texts")
    page.get_by_label("Text to send").fill("Are you still coming?")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_role("alert")).to_contain_text("This number opted out (it replied STOP)")
    _dispatcher(live_server, fake_twilio).run_once()
    assert [sms.body for sms in fake_twilio.to(PRIYA)] == []
