"""Real parts for the reliability tests: the notifications renderer behind the dispatcher's
``Renderer`` seam, the Twilio and SMTP channels pointed at the loopback fakes, outbox rows
planned from plain facts, and counting what the fakes received per notice.

``render_notice`` is a minimal adapter kept here until booking's composition root has one
on main; it maps a notice kind to its template and the outbox context to a MessageContext.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import Database
from notifications import render
from notifications.channels.base import ChannelKind
from notifications.channels.smtp_email import SmtpEmail
from notifications.channels.twilio_sms import TwilioSms
from scheduler import planning
from scheduler.facts import AppointmentFacts
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind
from tests.fakes import twilio

CLINIC_NAME, CLINIC_PHONE = "Harbor Clinic", "+16175550100"
PUBLIC_URL = "https://clinic.example"
FROM_NUMBER = "+16175550199"

TEMPLATES = {
    NoticeKind.CONFIRMATION: render.NoticeTemplate.CONFIRMATION,
    NoticeKind.WEEK_BEFORE: render.NoticeTemplate.REMINDER_7D,
    NoticeKind.DAYS_BEFORE: render.NoticeTemplate.REMINDER_72H,
    NoticeKind.PREPARATION: render.NoticeTemplate.REMINDER_72H,
    NoticeKind.DAY_BEFORE: render.NoticeTemplate.REMINDER_24H,
    NoticeKind.HOURS_BEFORE: render.NoticeTemplate.REMINDER_2H,
    NoticeKind.PICKUP: render.NoticeTemplate.PICKUP_SOON,
    NoticeKind.READY_FOR_PICKUP: render.NoticeTemplate.READY_FOR_PICKUP,
    NoticeKind.AFTERCARE: render.NoticeTemplate.AFTERCARE,
    NoticeKind.CHECK_IN: render.NoticeTemplate.NEXT_DAY_CHECKIN,
    NoticeKind.CANCELLATION: render.NoticeTemplate.CANCELLATION,
}


def local_time(iso: str | None, zone: str) -> str | None:
    """An outbox instant as a message says it: ``Sun 06 Dec, 10:00 AM EST``."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%a %d %b, %I:%M %p %Z")


def render_notice(
    kind: NoticeKind, audience: Audience, channel: ChannelKind, context: Mapping[str, Any]
) -> render.Rendered:
    """The dispatcher's Renderer over ``notifications.render``."""
    zone = str(context["zone"])
    path = context.get("manage_path")
    message = render.MessageContext(
        clinic_name=CLINIC_NAME, clinic_phone=CLINIC_PHONE,
        location_name=str(context.get("location_name") or ""),
        location_address=str(context.get("location_address") or ""),
        starts_at=str(local_time(context["starts_at"], zone)),
        ends_at=local_time(context.get("ends_at"), zone),
        visit_name=str(context.get("visit_name") or "visit"),
        manage_url=f"{PUBLIC_URL}{path}" if path else "",
        patient_first_name=context.get("patient_name") or None,
        escort_name=context.get("escort_name"), preparation=context.get("preparation") or None,
        series_sessions=tuple(
            str(local_time(s, zone)) for s in context.get("series_starts", ())
        ),
    )  # fmt: skip
    return render.render(TEMPLATES[kind], render.Audience(audience.value), channel, message)


def twilio_sms(base_url: str, *, timeout: float = 5.0) -> TwilioSms:
    """The real channel (the real SDK) talking to a fake Twilio at ``base_url``."""
    return TwilioSms(
        account_sid=twilio.ACCOUNT_SID, auth_token=twilio.AUTH_TOKEN, from_number=FROM_NUMBER,
        api_base=base_url, timeout=timeout,
    )  # fmt: skip


def smtp_email(host: str, port: int) -> SmtpEmail:
    return SmtpEmail(
        host=host, port=port, sender=f"{CLINIC_NAME} <notices@clinic.example>", starttls=False,
        timeout=5.0,
    )  # fmt: skip


def plan_all(database: Database, facts: Iterable[AppointmentFacts], *, now: datetime) -> None:
    """Plan each appointment as booking would, in one transaction."""
    with database.session() as session:
        for one in facts:
            planning.plan(session, one, now=now)


def rows(database: Database, *, channel: ChannelKind | None = None) -> list[Notice]:
    query = select(Notice).order_by(Notice.key)
    if channel is not None:
        query = query.where(Notice.channel == channel)
    with database.session(write=False) as session:
        return list(session.scalars(query))


def received_per_notice(
    database: Database, messages: Iterable[tuple[str, str]]
) -> tuple[Counter[str], int]:
    """How many times the fake received each sent SMS notice (by its key), and how many
    messages matched no notice. A message is its notice's (recipient, text), recorded in
    the outbox when it was sent; the test's facts make that pair unique per notice."""
    sent = [r for r in rows(database, channel=ChannelKind.SMS) if r.status is NoticeStatus.SENT]
    key_of = {(r.recipient, r.text): r.key for r in sent}
    assert len(key_of) == len(sent), "two notices share a recipient and a text"
    counts: Counter[str] = Counter({r.key: 0 for r in sent})
    stray = 0
    for to, body in messages:
        key = key_of.get((to, body))
        if key is None:
            stray += 1
        else:
            counts[key] += 1
    return counts, stray
