"""A waitlist offer's one message, planned from plain facts like an appointment's notices.

The patient has ``window_minutes`` from the moment the message may go out: a slot freed at
11 PM is texted at 8 AM (quiet hours) and held until 8:30, not offered overnight to a
sleeping patient and passed on before anyone could read it. The offer never outlives the
slot's start. No usable channel: no row, and the front desk sees the offer on the waitlist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from notifications.channels.base import ChannelKind
from scheduler import quiet_hours
from scheduler.facts import OfferFacts
from scheduler.models import Notice, NoticeStatus
from scheduler.policy import usable_channels
from scheduler.rules import Audience, NoticeKind, QuietHours

PREFERRED = (ChannelKind.SMS, ChannelKind.EMAIL)  # a text is read soonest


@dataclass(frozen=True)
class PlannedOffer:
    channel: ChannelKind | None  # None: nothing can reach the patient; staff call
    recipient: str | None
    due_at: datetime
    expires_at: datetime  # the hold ends then, and the offer passes on
    fallbacks: tuple[tuple[ChannelKind, str], ...] = ()


def offer_plan(facts: OfferFacts, *, now: datetime, hours: QuietHours) -> PlannedOffer:
    """The first consented channel on which the whole window fits before the slot starts."""
    usable = usable_channels(facts)
    candidates = [(channel, usable[channel]) for channel in PREFERRED if channel in usable]
    window = timedelta(minutes=facts.window_minutes)
    zone = ZoneInfo(facts.patient_zone or facts.zone)
    for index, (channel, to) in enumerate(candidates):
        due = now
        if channel is ChannelKind.SMS:
            due = max(now, quiet_hours.next_allowed(now, zone, hours))
        if due + window <= facts.starts_at:
            rest = tuple(candidates[index + 1 :])
            return PlannedOffer(channel, to, due, due + window, rest)
    return PlannedOffer(None, None, now, min(now + window, facts.starts_at))


def offer_key(offer_id: uuid.UUID) -> str:
    return f"offer/{offer_id}"


def plan_offer(
    session: Session, facts: OfferFacts, *, now: datetime, hours: QuietHours
) -> PlannedOffer:
    """Write the offer's message in the caller's transaction (flushes nothing)."""
    planned = offer_plan(facts, now=now, hours=hours)
    if planned.channel is None or planned.recipient is None:
        return planned
    session.add(
        Notice(
            appointment_id=None, key=offer_key(facts.offer_id), kind=NoticeKind.WAITLIST_OFFER,
            audience=Audience.PATIENT, channel=planned.channel, recipient=planned.recipient,
            zone=facts.patient_zone or facts.zone, moment_at=now, due_at=planned.due_at,
            send_before=planned.expires_at, status=NoticeStatus.PENDING, attempts=0,
            context=offer_context(facts, planned.expires_at),
            fallbacks={"channels": [[c.value, to] for c, to in planned.fallbacks]},
            created_at=now, updated_at=now,
        )
    )  # fmt: skip
    return planned


def offer_context(facts: OfferFacts, expires_at: datetime) -> dict[str, Any]:
    """What the message may say, as plain data (times in the patient's zone)."""
    zone = ZoneInfo(facts.patient_zone or facts.zone)
    return {
        "offer_id": str(facts.offer_id), "patient_id": str(facts.patient_id),
        "patient_name": facts.patient_name, "visit_name": facts.visit_name,
        "starts_at": facts.starts_at.astimezone(zone).isoformat(), "zone": zone.key,
        "held_until": expires_at.astimezone(zone).isoformat(),
        "location_name": facts.location_name, "location_address": facts.location_address,
        "location_phone": facts.location_phone, "manage_path": facts.offer_path,
    }  # fmt: skip
