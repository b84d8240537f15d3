"""The offer's message plan, a pure function: the consented channel, and a window that
starts when the message may go out (never overnight) and never outlives the slot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from notifications.channels.base import ChannelKind
from scheduler.facts import ContactRestriction, OfferFacts
from scheduler.offers import offer_plan
from scheduler.rules import QuietHours

HOURS = QuietHours()
NY = "America/New_York"
TEN_AM_NY = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
ELEVEN_PM_NY = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
SLOT = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def _facts(**changes: object) -> OfferFacts:
    values: dict[str, object] = {
        "offer_id": uuid.uuid4(), "patient_id": uuid.uuid4(), "starts_at": SLOT, "zone": NY,
        "window_minutes": 30, "offer_path": "/offers/t", "patient_phone": "+16175550101",
        "patient_email": "p@example.com", "sms_consent": True, "email_consent": True,
    } | changes  # fmt: skip
    return OfferFacts(**values)  # type: ignore[arg-type]


def test_a_text_by_day_goes_now_and_holds_for_the_window() -> None:
    plan = offer_plan(_facts(), now=TEN_AM_NY, hours=HOURS)
    assert (plan.channel, plan.recipient) == (ChannelKind.SMS, "+16175550101")
    assert (plan.due_at, plan.expires_at) == (TEN_AM_NY, TEN_AM_NY + timedelta(minutes=30))
    assert plan.fallbacks == ((ChannelKind.EMAIL, "p@example.com"),)


def test_a_slot_freed_at_night_is_texted_at_eight_and_held_from_then() -> None:
    plan = offer_plan(_facts(), now=ELEVEN_PM_NY, hours=HOURS)
    eight = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert (plan.channel, plan.due_at, plan.expires_at) == (
        ChannelKind.SMS, eight, eight + timedelta(minutes=30),
    )  # fmt: skip


def test_email_only_and_no_consent() -> None:
    email_only = _facts(contact_restriction=ContactRestriction.EMAIL_ONLY)
    assert offer_plan(email_only, now=ELEVEN_PM_NY, hours=HOURS).channel is ChannelKind.EMAIL
    nothing = offer_plan(_facts(sms_consent=False, email_consent=False), now=TEN_AM_NY, hours=HOURS)
    assert (nothing.channel, nothing.recipient) == (None, None)
    assert nothing.expires_at == TEN_AM_NY + timedelta(minutes=30)


def test_a_window_that_would_outlive_the_slot_falls_back_or_ends_at_the_start() -> None:
    soon = ELEVEN_PM_NY + timedelta(hours=2)  # 1 AM: a text could only go at 8 AM
    plan = offer_plan(_facts(starts_at=soon), now=ELEVEN_PM_NY, hours=HOURS)
    assert (plan.channel, plan.due_at) == (ChannelKind.EMAIL, ELEVEN_PM_NY)
    sooner = ELEVEN_PM_NY + timedelta(minutes=10)
    none = offer_plan(_facts(starts_at=sooner, email_consent=False), now=ELEVEN_PM_NY, hours=HOURS)
    assert (none.channel, none.expires_at) == (None, sooner)
