"""Every notice, for every audience it has, on every channel, with contexts that try to leak."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from markupsafe import escape

from notifications.channels.base import ChannelKind
from notifications.privacy import forbidden_terms_in
from notifications.render import (
    Audience,
    CancelledBy,
    MessageContext,
    NoticeTemplate,
    audiences,
    render,
)
from notifications.sms import is_gsm7, sms_segments

PLAUSIBLE = MessageContext(
    clinic_name="Riverside Wellness Center",
    clinic_phone="(212) 555-0142",
    location_name="Riverside Midtown",
    location_address="350 W 57th St, Suite 4B, New York, NY 10019",
    starts_at="Fri 27 Nov, 9:00 AM EST",
    visit_name="Treatment session",
    manage_url="https://riverside.example/manage/3kZp9xQ2vT8wLm4nR7sY1aBcDeFgHiJkLmNoPqRsTuVw",
    ends_at="11:00 AM",
    patient_first_name="Annabelle",
    escort_name="Zoë O\u2019Neil",
    preparation="Wear comfortable clothes. Bring a list of your medicines.",
    fasting=("No solid food after 3:00 AM", "Clear liquids until 7:00 AM"),
    previous_starts_at="Thu 26 Nov, 2:30 PM EST",
)
# What a real clinic might well type: a drug in its own name and link, markup in names.
HOSTILE = MessageContext(
    clinic_name="Ketamine & Spravato Wellness <b>NYC</b>",
    clinic_phone="(212) 555-0199",
    location_name="IV Lounge \u2013 Midtown",
    location_address="12 E 9th St #4 <rear>, New York",
    starts_at="Mon 1 Mar, 8:15 AM EST",
    visit_name="Esketamine (Spravato) treatment for depression",
    manage_url="https://ketamine-nyc.example/manage/tok",
    ends_at="10:45 AM",
    patient_first_name='<script>alert("Ann")</script>',
    escort_name="Iv <i>Petrov</i> & Co",
    preparation="No solid food 6 h before your infusion; take your esketamine as told.",
    fasting=("No food after 6:15 AM",),
    series_sessions=("Mon 1 Mar, 8:15 AM EST", "Thu 4 Mar, 8:15 AM", "Mon 8 Mar, 8:15 AM"),
    cancelled_by=CancelledBy.CLINIC,
)
CONTEXTS = {
    "plausible": PLAUSIBLE,
    "plausible-first-sms": replace(PLAUSIBLE, first_sms=True),
    "plausible-series": replace(
        PLAUSIBLE,
        series_sessions=(
            PLAUSIBLE.starts_at,
            *(f"{day} Dec, 9:00 AM" for day in (1, 3, 8, 10, 15)),
        ),
    ),
    "hostile": HOSTILE,
    "hostile-first-sms": replace(HOSTILE, first_sms=True, cancelled_by=CancelledBy.PATIENT),
}
CASES = [
    (kind, audience, channel, name)
    for kind in NoticeTemplate
    for audience in sorted(audiences(kind))
    for channel, name in itertools.product(ChannelKind, CONTEXTS)
]
CRISIS = {NoticeTemplate.AFTERCARE, NoticeTemplate.NEXT_DAY_CHECKIN}
NO_TIME = CRISIS | {NoticeTemplate.READY_FOR_PICKUP}


@pytest.mark.parametrize(("kind", "audience", "channel", "name"), CASES)
def test_every_message_keeps_the_privacy_rules(
    kind: NoticeTemplate, audience: Audience, channel: ChannelKind, name: str
) -> None:
    context = CONTEXTS[name]
    rendered = render(kind, audience, channel, context)
    if channel is ChannelKind.SMS:
        assert forbidden_terms_in(rendered.text) == []
        assert rendered.subject is None
        assert rendered.html is None
    else:
        assert rendered.subject
        assert forbidden_terms_in(rendered.subject) == []
        for person in (context.patient_first_name, context.escort_name):
            assert person
            assert person not in rendered.subject
        assert "Ann" not in rendered.subject
        assert "Zo" not in rendered.subject
    if audience is Audience.ESCORT:  # the escort learns where and when, nothing more
        assert forbidden_terms_in(rendered.text) == []
        assert "/manage/" not in rendered.text
        assert "session" not in rendered.text.lower()


@pytest.mark.parametrize(("kind", "audience", "channel", "name"), CASES)
def test_every_message_names_the_clinic_its_phone_and_what_it_needs(
    kind: NoticeTemplate, audience: Audience, channel: ChannelKind, name: str
) -> None:
    context = CONTEXTS[name]
    text = render(kind, audience, channel, context).text
    assert "Wellness" in text
    assert context.clinic_phone in text
    if kind in CRISIS:
        assert "988" in text
        assert "911" in text
    if kind not in NO_TIME and kind is not NoticeTemplate.PICKUP_SOON:
        assert context.starts_at in text
    if kind is NoticeTemplate.PICKUP_SOON:
        assert str(context.ends_at) in text
        assert "Midtown" in text


@pytest.mark.parametrize(
    ("kind", "audience"), [(k, a) for k in NoticeTemplate for a in audiences(k)]
)
def test_plausible_texts_fit_two_gsm7_segments_and_three_with_the_consent_wording(
    kind: NoticeTemplate, audience: Audience
) -> None:
    regular = render(kind, audience, ChannelKind.SMS, PLAUSIBLE).text
    first = render(kind, audience, ChannelKind.SMS, replace(PLAUSIBLE, first_sms=True)).text
    assert is_gsm7(regular)
    assert is_gsm7(first)
    assert sms_segments(regular) <= 2, regular
    assert sms_segments(first) <= 3, first


@pytest.mark.parametrize("kind", list(NoticeTemplate))
def test_the_first_text_to_a_number_carries_the_consent_wording(kind: NoticeTemplate) -> None:
    audience = sorted(audiences(kind))[0]
    context = replace(PLAUSIBLE, first_sms=True)
    first = render(kind, audience, ChannelKind.SMS, context).text
    later = render(kind, audience, ChannelKind.SMS, PLAUSIBLE).text
    for words in ("Riverside Wellness Center", "msgs per visit", "Msg & data rates may apply"):
        assert words in first
    assert "Reply STOP to opt out, HELP for help." in first
    assert "STOP" not in later


@pytest.mark.parametrize("name", ["hostile", "hostile-first-sms"])
def test_html_escapes_every_name(name: str) -> None:
    context = CONTEXTS[name]
    for kind, audience in [(k, a) for k in NoticeTemplate for a in audiences(k)]:
        rendered = render(kind, audience, ChannelKind.EMAIL, context)
        assert rendered.html is not None
        assert "<script>" not in rendered.html
        assert "<i>" not in rendered.html
        assert "<b>NYC" not in rendered.html
        if audience is Audience.PATIENT:
            assert str(escape(context.patient_first_name)) in rendered.html


def test_a_link_that_names_a_drug_stays_out_of_the_text_but_not_the_patients_email() -> None:
    sms = render(NoticeTemplate.REMINDER_7D, Audience.PATIENT, ChannelKind.SMS, HOSTILE).text
    email = render(NoticeTemplate.REMINDER_7D, Audience.PATIENT, ChannelKind.EMAIL, HOSTILE)
    assert "ketamine-nyc" not in sms
    assert sms.startswith("Wellness <b>NYC</b>: a reminder of your")
    assert f'<a href="{HOSTILE.manage_url}">' in str(email.html)


def test_the_day_before_asks_to_confirm_the_visit_and_the_ride() -> None:
    text = render(NoticeTemplate.REMINDER_24H, Audience.PATIENT, ChannelKind.SMS, PLAUSIBLE).text
    assert "Ride home with Zoe O'Neil set? Reply C to confirm, R to reschedule." in text
    consult = replace(PLAUSIBLE, escort_name=None, visit_name="Consultation")
    text = render(NoticeTemplate.REMINDER_24H, Audience.PATIENT, ChannelKind.SMS, consult).text
    assert "Reply C to confirm, R to reschedule" in text
    assert "home" not in text


def test_preparation_and_fasting_go_in_the_email_body_only() -> None:
    kind, patient = NoticeTemplate.REMINDER_72H, Audience.PATIENT
    email = render(kind, patient, ChannelKind.EMAIL, HOSTILE)
    sms = render(kind, patient, ChannelKind.SMS, HOSTILE)
    assert str(HOSTILE.preparation) in email.text
    assert "No food after 6:15 AM" in email.text
    assert "Take your medicines as your clinician instructed." in email.text
    assert "food" not in sms.text
    assert "email" in sms.text
    assert "food" not in str(email.subject)


def test_aftercare_says_no_driving_until_after_sleep_and_no_alcohol_or_cannabis() -> None:
    for channel in ChannelKind:
        text = render(NoticeTemplate.AFTERCARE, Audience.PATIENT, channel, PLAUSIBLE).text
        assert "do not drive" in text
        assert "sleep" in text
        assert "No alcohol or cannabis for 24 hours" in text


def test_a_series_is_confirmed_once_with_every_session() -> None:
    context = CONTEXTS["plausible-series"]
    email = render(NoticeTemplate.CONFIRMATION, Audience.PATIENT, ChannelKind.EMAIL, context)
    sms = render(NoticeTemplate.CONFIRMATION, Audience.PATIENT, ChannelKind.SMS, context)
    assert all(f"- {session}" in email.text for session in context.series_sessions)
    assert "6 visits" in str(email.subject)
    assert "6 visits" in sms.text


def test_a_cancellation_says_who_cancelled() -> None:
    by_clinic = replace(PLAUSIBLE, cancelled_by=CancelledBy.CLINIC)
    kind, patient, sms = NoticeTemplate.CANCELLATION, Audience.PATIENT, ChannelKind.SMS
    assert "we had to cancel" in render(kind, patient, sms, by_clinic).text
    assert "as you asked" in render(kind, patient, sms, PLAUSIBLE).text


def test_notices_without_an_escort_message_refuse_the_escort() -> None:
    assert audiences(NoticeTemplate.AFTERCARE) == {Audience.PATIENT}
    assert audiences(NoticeTemplate.PICKUP_SOON) == {Audience.ESCORT}
    assert audiences(NoticeTemplate.RESCHEDULED) == {Audience.PATIENT, Audience.ESCORT}
    with pytest.raises(ValueError, match="escort"):
        render(NoticeTemplate.AFTERCARE, Audience.ESCORT, ChannelKind.SMS, PLAUSIBLE)
