"""The dispatcher wired to booking: settings, channels, the renderer, the send-time re-check
and the opt-out, for ``clinic serve`` (in-process), ``clinic worker`` and ``clinic dispatch``.

The scheduler never imports booking; this module is where the two meet.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import message_notices, notice_rules, offer_notices
from booking.models import Appointment, AppointmentStatus, ContactRestriction, Patient
from booking.notice_invites import InviteSender, invite_for
from booking.services import sms_consent
from booking.services.context import Actor, Context
from core.clock import Clock
from core.db import Database
from core.settings import Settings
from notifications.channels import channels_from_settings
from notifications.channels.base import Channel, ChannelKind
from notifications.notices import Audience as Reader
from notifications.notices import CancelledBy, MessageContext, NoticeTemplate, Rendered
from notifications.render import render
from scheduler.dispatch import (
    Check,
    DispatchReport,
    DispatchSettings,
    OptOut,
    RateLimiter,
    dispatch_once,
)
from scheduler.models import Notice, NoticeStatus
from scheduler.outbox import Due
from scheduler.rules import (
    BEFORE_VISIT,
    DEFAULT_POLICY,
    MESSAGE_NOTICES,
    TIME_CRITICAL,
    Audience,
    NoticeKind,
    NoticePolicy,
    QuietHours,
)
from scheduler.runner import DispatchRunner

log = logging.getLogger("clinic.scheduler")
K = NoticeKind
TEMPLATES: dict[NoticeKind, NoticeTemplate] = {
    K.CONFIRMATION: NoticeTemplate.CONFIRMATION,
    K.WEEK_BEFORE: NoticeTemplate.REMINDER_7D,
    K.DAYS_BEFORE: NoticeTemplate.REMINDER_72H,
    K.PREPARATION: NoticeTemplate.REMINDER_72H,
    K.DAY_BEFORE: NoticeTemplate.REMINDER_24H,
    K.HOURS_BEFORE: NoticeTemplate.REMINDER_2H,
    K.PICKUP: NoticeTemplate.PICKUP_SOON,
    K.READY_FOR_PICKUP: NoticeTemplate.READY_FOR_PICKUP,
    K.AFTERCARE: NoticeTemplate.AFTERCARE,
    K.CHECK_IN: NoticeTemplate.NEXT_DAY_CHECKIN,
    K.CANCELLATION: NoticeTemplate.CANCELLATION,
    K.WAITLIST_OFFER: NoticeTemplate.WAITLIST_OFFER,
}
# The appointment statuses in which a notice of each kind still makes sense.
_BOOKED = frozenset({"booked"})
_ON_THE_DAY = frozenset({"booked", "checked_in"})
_AFTER = frozenset({"completed"})
SENT = (NoticeStatus.SENT, NoticeStatus.DELIVERED)
EMAIL = ChannelKind.EMAIL


def dispatch_settings(settings: Settings) -> DispatchSettings:
    return DispatchSettings(
        lease=timedelta(seconds=settings.dispatch_lease_seconds),
        max_attempts=settings.dispatch_max_attempts,
        rate_per_second=settings.dispatch_rate_per_second or None,
        quiet_hours=quiet_hours(settings),
    )


def quiet_hours(settings: Settings) -> QuietHours:
    return notice_rules.quiet_hours(settings)


def notice_policy(settings: Settings, base: NoticePolicy = DEFAULT_POLICY) -> NoticePolicy:
    """The defaults with this process's quiet hours (per-type settings come on top)."""
    return NoticePolicy(
        rules=base.rules, check_in_at=base.check_in_at, quiet_hours=quiet_hours(settings)
    )


# -- rendering ---------------------------------------------------------------------------


def _local(value: object, zone: object) -> datetime | None:
    """The stored ISO time in the patient's zone (its stored offset alone would read
    "UTC-05:00")."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.astimezone(ZoneInfo(str(zone))) if zone else moment


def _clock(value: object, zone: object) -> tuple[str, str] | None:
    """``("3:00 AM EST", "Mon 30 Nov")``: a time and its day, in the patient's zone."""
    moment = _local(value, zone)
    if moment is None:
        return None
    hour = moment.strftime("%I").lstrip("0")
    return f"{hour}:{moment:%M %p} {moment.tzname()}", f"{moment:%a} {moment.day} {moment:%b}"


def _when(value: object, zone: object) -> str | None:
    """``"Fri 27 Nov, 9:00 AM EST"``."""
    clock = _clock(value, zone)
    return f"{clock[1]}, {clock[0]}" if clock else None


def fasting(stored: Mapping[str, Any]) -> tuple[str, ...]:
    """The fasting lines with concrete local times (the type's minutes before the start).
    Where liquids stop later than food, only clear liquids are taken in between."""
    zone, food_at, drink_at = (stored.get(n) for n in ("zone", "no_food_after", "no_liquids_after"))
    food, drink = _clock(food_at, zone), _clock(drink_at, zone)
    lines: list[str] = []
    if food:
        lines.append(f"No solid food after {food[0]} ({food[1]}).")
    instant = datetime.fromisoformat
    later = bool(food and drink) and instant(str(drink_at)) > instant(str(food_at))
    if drink and later:
        lines.append(f"Clear liquids only until {drink[0]} ({drink[1]}), then nothing to drink.")
    elif drink:
        lines.append(f"Nothing to drink after {drink[0]} ({drink[1]}).")
    return tuple(lines)


def _held_until(stored: Mapping[str, Any]) -> str | None:
    """A waitlist offer's end, ``"3:40 PM EST"`` (with its day when that is another one)."""
    zone = stored.get("zone")
    held = _clock(stored.get("held_until"), zone)
    if held is None:
        return None
    starts = _clock(stored.get("starts_at"), zone)
    return held[0] if starts and starts[1] == held[1] else f"{held[0]} ({held[1]})"


def _previous(stored: Mapping[str, Any]) -> str | None:
    """The time a reschedule replaced, unless it kept the time (another room or clinician)."""
    previous, now = stored.get("previous_starts_at"), stored.get("starts_at")
    if not previous or (now and datetime.fromisoformat(previous) == datetime.fromisoformat(now)):
        return None
    return _when(previous, stored.get("zone"))


@dataclass(frozen=True)
class MessageRenderer:
    """The scheduler's Renderer: a stored notice context into notifications' templates,
    and the calendar invite a patient's confirmation, reschedule or cancellation email carries."""

    clinic_name: str
    public_url: str
    email_from: str = ""  # the invite's organizer; none: no invite

    def __call__(
        self, kind: NoticeKind, audience: Audience, channel: ChannelKind,
        context: Mapping[str, Any],
    ) -> Rendered:  # fmt: skip
        if kind in MESSAGE_NOTICES:
            return message_notices.render(
                kind, clinic_name=self.clinic_name, public_url=self.public_url, context=context
            )
        template = TEMPLATES.get(kind)
        if template is None or audience is Audience.STAFF:
            raise ValueError(f"{kind.value} is not a message")
        if kind is K.CONFIRMATION and context.get("change") == "rescheduled":
            template = NoticeTemplate.RESCHEDULED
        rendered = render(template, Reader(audience.value), channel, self.context(context))
        sender = InviteSender.of(self.clinic_name, self.email_from, self.public_url)
        return replace(rendered, invite=invite_for(sender, kind, audience, channel, context))

    def context(self, stored: Mapping[str, Any]) -> MessageContext:
        path = stored.get("manage_path")
        manage_url = self.public_url.rstrip("/") + (path or "")
        return MessageContext(
            clinic_name=self.clinic_name,
            clinic_phone=str(stored.get("location_phone") or ""),
            location_name=str(stored.get("location_name") or ""),
            location_address=str(stored.get("location_address") or ""),
            starts_at=_when(stored.get("starts_at"), stored.get("zone")) or "",
            ends_at=_when(stored.get("ends_at"), stored.get("zone")),
            visit_name=str(stored.get("visit_name") or ""),
            manage_url=manage_url,
            patient_first_name=stored.get("patient_name") or None,
            escort_name=stored.get("escort_name") or None,
            preparation=stored.get("preparation") or None,
            fasting=fasting(stored),
            previous_starts_at=_previous(stored),
            series_sessions=tuple(
                s
                for s in (_when(v, stored.get("zone")) for v in stored.get("series_starts") or ())
                if s
            ),
            cancelled_by=CancelledBy(stored.get("cancelled_by") or "patient"),
            first_sms=bool(stored.get("first_sms")),
            held_until=_held_until(stored),
        )


# -- the send-time re-check ----------------------------------------------------------------


def _statuses(kind: NoticeKind) -> frozenset[str]:
    if kind is K.CANCELLATION:
        return frozenset({"cancelled"})
    if kind in BEFORE_VISIT:
        return _BOOKED
    return _ON_THE_DAY if kind in TIME_CRITICAL - {K.READY_FOR_PICKUP} else _AFTER


def recheck(session: Session, notice: Due) -> Check:
    """Refuse a notice the appointment outgrew (moved, cancelled: its sequence differs) or
    that consent, the confidential request or an opt-out no longer allow."""
    if notice.kind is K.WAITLIST_OFFER:
        found = offer_notices.recipient(session, notice)
        return found if isinstance(found, Check) else _with_first_sms(session, notice, found)
    if notice.appointment_id is None:  # caused by a text: an alert or a staff reply
        verdict = message_notices.recheck(session, notice)
        return _with_first_sms(session, notice, notice.recipient) if verdict.ok else verdict
    appointment = session.get(Appointment, notice.appointment_id)
    if appointment is None:
        return Check(ok=False, reason="appointment_gone")
    stale = notice.context.get("sequence") not in (None, appointment.sequence)
    if stale or appointment.status.value not in _statuses(notice.kind):
        return Check(ok=False, reason="stale")
    patient = session.get(Patient, appointment.patient_id)
    if patient is None:
        return Check(ok=False, reason="appointment_gone")
    if notice.audience is Audience.ESCORT:
        if patient.no_escort_messages or not appointment.escort_phone:
            return Check(ok=False, reason="escort_not_told")
        return _with_first_sms(session, notice, appointment.escort_phone)
    to = _patient_address(patient, notice.channel)
    if to is None:
        return Check(ok=False, reason="no_consent")
    if appointment.series_id and notice.kind is K.CONFIRMATION and notice.channel is EMAIL:
        return Check(
            ok=True, recipient=to, context={"invite_sessions": _sessions(session, appointment)}
        )
    return _with_first_sms(session, notice, to)


def _sessions(session: Session, appointment: Appointment) -> list[dict[str, object]]:
    """The series' sessions still booked, for its one confirmation's invite (one read)."""
    booked = session.scalars(
        select(Appointment)
        .where(Appointment.series_id == appointment.series_id)
        .where(Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    return [
        {"appointment_id": str(each.id), "sequence": each.sequence,
         "starts_at": each.starts_at.isoformat(), "ends_at": each.ends_at.isoformat()}
        for each in booked
    ]  # fmt: skip


def _patient_address(patient: Patient, channel: ChannelKind) -> str | None:
    restriction = patient.contact_restriction
    if channel is ChannelKind.SMS:
        allowed = (
            patient.sms_consent_at is not None and restriction != ContactRestriction.EMAIL_ONLY
        )
        return patient.phone if allowed else None
    allowed = patient.email_consent_at is not None and restriction != ContactRestriction.SMS_ONLY
    return patient.email if allowed else None


def _with_first_sms(session: Session, notice: Due, to: str) -> Check:
    """No text to a number in the opt-out registry, whoever it belongs to (an escort's STOP
    included); the first text to a number carries the consent wording (two indexed lookups)."""
    if notice.channel is not ChannelKind.SMS:
        return Check(ok=True, recipient=to)
    if sms_consent.opted_out_since(session, to) is not None:
        return Check(ok=False, reason="opted_out")
    earlier = session.scalar(
        select(Notice.id)
        .where(Notice.channel == ChannelKind.SMS, Notice.recipient == to)
        .where(Notice.status.in_(SENT), Notice.id != notice.id)
        .limit(1)
    )
    return Check(ok=True, recipient=to, context={"first_sms": earlier is None})


# -- opt-out -----------------------------------------------------------------------------


def opt_out_recorder(clock: Clock) -> OptOut:
    def on_opt_out(session: Session, channel: ChannelKind, recipient: str) -> None:
        """A number that replied STOP (Twilio 21610): it joins the opt-out registry and every
        patient with it loses SMS consent (audited), as a STOP we received ourselves does."""
        if channel is not ChannelKind.SMS:
            return
        ctx = Context(session=session, actor=Actor.system("dispatch"), now=clock.now())
        sms_consent.opt_out(ctx, phone=recipient)
        session.flush()

    return on_opt_out


# -- processes ---------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Dispatcher:
    """Everything one process needs for a dispatch pass."""

    database: Database
    settings: Settings
    clock: Clock
    channels: Mapping[ChannelKind, Channel]
    worker: str
    dispatch: DispatchSettings
    limiter: RateLimiter  # one per process, across passes

    @classmethod
    def build(
        cls, database: Database, settings: Settings, clock: Clock,
        channels: Mapping[ChannelKind, Channel] | None = None,
    ) -> Dispatcher:  # fmt: skip
        found = channels if channels is not None else channels_from_settings(settings)
        dispatch = dispatch_settings(settings)
        limiter = RateLimiter(dispatch.rate_per_second)
        return cls(database, settings, clock, found, worker_id(), dispatch, limiter)

    def run_once(self) -> DispatchReport:
        offer_notices.expire_offers(self.database, self.clock, self.settings)
        report = dispatch_once(
            self.database, channels=self.channels,
            renderer=MessageRenderer(
                self.settings.name, self.settings.public_url, self.settings.email_from
            ),
            recheck=recheck, clock=self.clock, worker_id=self.worker,
            settings=self.dispatch, batch=self.settings.dispatch_batch,
            on_opt_out=opt_out_recorder(self.clock), limiter=self.limiter,
        )  # fmt: skip
        if report.claimed:
            log.info("dispatch: %s", report.describe())
        return report

    def runner(self) -> DispatchRunner:
        interval = timedelta(seconds=self.settings.dispatch_interval_seconds)
        return DispatchRunner(self.run_once, interval=interval, clock=self.clock)
