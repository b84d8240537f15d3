"""A text from a patient or an escort: stored once, matched to who sent it and their next
visit, acted on when it is a keyword, and answered.

A replayed webhook (the same MessageSid) changes nothing and gets the first answer again.
Crisis words always win the answer: 988 and 911 at once, and the message is urgent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy import text as sql

from booking import message_notices
from booking.models import Appointment, AppointmentStatus, InboundMessage, Location, Patient
from booking.models import Sender as SenderKind
from booking.services import inbound_answers as answers
from booking.services import sms_consent
from booking.services.audit import update_audited
from booking.services.context import Context
from core.errors import Invalid
from core.tokens import hash_token
from notifications.crisis import is_crisis
from notifications.inbound import Intent, classify
from scheduler.models import Notice

_LIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
# Fully dealt with by the reply itself: in the inbox as handled (a crisis never is).
AUTO_HANDLED = frozenset({"confirmed", "opted_out", "opted_in", "help_sent"})


@dataclass(frozen=True)
class Sender:
    kind: SenderKind
    patient: Patient | None = None
    appointment: Appointment | None = None


@dataclass(frozen=True)
class Incoming:
    sid: str
    from_number: str
    body: str


def receive(
    ctx: Context, *, message: Incoming, clinic_name: str, public_url: str,
    oncall_email: str | None = None,
) -> str | None:  # fmt: skip
    """Store, act on and answer ``message``; the text to answer with (None: no answer). An
    urgent one also queues the on-call email, in this same transaction."""
    if not message.sid or not message.from_number:
        raise Invalid("validation_error", "MessageSid and From are required", errors=[])
    if ctx.session.get_bind().dialect.name == "postgresql":
        # Twilio's retries of one text take turns, so each finds the first one's row (SQLite
        # already serializes writes); otherwise both would insert and one fail.
        lock = sql("SELECT pg_advisory_xact_lock(hashtextextended(:sid, 0))")
        ctx.session.execute(lock, {"sid": f"inbound:{message.sid}"})
    earlier = ctx.session.scalar(
        select(InboundMessage).where(InboundMessage.message_sid == message.sid)
    )
    if earlier is not None:
        return earlier.answer
    intent, urgent = classify(message.body), is_crisis(message.body)
    sender = match_sender(ctx, phone=message.from_number)
    action, answer = _act(ctx, intent, sender, message.from_number, public_url)
    name = answers.Clinic(clinic_name, _clinic_phone(ctx, sender))
    if urgent:
        text: str | None = answers.crisis(name, on_call=bool(oncall_email))
    else:
        text = answers.for_action(action, name, answer)
    row = InboundMessage(
        message_sid=message.sid, from_number=message.from_number, body=message.body,
        received_at=ctx.now, intent=intent, urgent=urgent, sender=sender.kind,
        patient_id=sender.patient.id if sender.patient else None,
        appointment_id=sender.appointment.id if sender.appointment else None,
        action=action, answer=text,
        handled_at=ctx.now if action in AUTO_HANDLED and not urgent else None,
    )  # fmt: skip
    ctx.session.add(row)
    ctx.session.flush()
    if urgent:
        message_notices.queue_crisis_alert(
            ctx.session, inbound_id=row.id, patient_id=row.patient_id,
            oncall_email=oncall_email, now=ctx.now,
        )  # fmt: skip
    return text


def match_sender(ctx: Context, *, phone: str) -> Sender:
    """The patient with this number and their next live visit; else the visit this number
    escorts; a number two patients share is never guessed."""
    patients = ctx.session.scalars(select(Patient).where(Patient.phone == phone).limit(2)).all()
    if len(patients) > 1:
        return Sender(SenderKind.SHARED)
    upcoming = (
        select(Appointment)
        .where(Appointment.status.in_(_LIVE), Appointment.ends_at > ctx.now)
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if patients:
        patient = patients[0]
        visit = ctx.session.scalar(upcoming.where(Appointment.patient_id == patient.id))
        return Sender(SenderKind.PATIENT, patient, visit)
    escorted = ctx.session.scalar(upcoming.where(Appointment.escort_phone == phone))
    if escorted is not None:
        return Sender(SenderKind.ESCORT, None, escorted)
    return Sender(SenderKind.UNKNOWN)


def _act(
    ctx: Context, intent: Intent, sender: Sender, phone: str, public_url: str
) -> tuple[str, str | None]:
    """What was done (the inbox's ``action``) and a link for the answer, if any."""
    if intent is Intent.OPT_OUT:
        sms_consent.opt_out(ctx, phone=phone)
        return "opted_out", None
    if intent is Intent.OPT_IN:
        restored = sms_consent.opt_in(ctx, phone=phone)
        return ("opted_in" if restored else "opt_in_for_staff"), None
    if intent is Intent.YES and sms_consent.opt_in(ctx, phone=phone):
        return "opted_in", None
    if intent is Intent.HELP:
        return "help_sent", None
    visit = sender.appointment
    if visit is None or sender.kind not in (SenderKind.PATIENT, SenderKind.ESCORT):
        return "for_staff", None
    if intent in (Intent.CONFIRM, Intent.YES):
        _confirm(ctx, visit, by_escort=sender.kind is SenderKind.ESCORT)
        return "confirmed", None
    if intent is Intent.RESCHEDULE and sender.kind is SenderKind.PATIENT:
        link = _live_link(ctx, visit, public_url)
        return ("link_sent" if link else "front_desk_flagged"), link
    return "for_staff", None


def _confirm(ctx: Context, visit: Appointment, *, by_escort: bool) -> None:
    """The patient confirms the visit (and the ride, when it has an escort); an escort the
    ride. Audited; a second C changes nothing."""
    changes = {} if by_escort or visit.attendance_confirmed_at else {
        "attendance_confirmed_at": ctx.now
    }  # fmt: skip
    if (visit.escort_phone or visit.escort_name) and visit.ride_confirmed_at is None:
        changes["ride_confirmed_at"] = ctx.now
    update_audited(
        ctx, visit, changes, action="appointment.confirmed_by_sms",
        patient_id=visit.patient_id, appointment_id=visit.id,
    )  # fmt: skip


def _live_link(ctx: Context, visit: Appointment, public_url: str) -> str | None:
    """The manage link this patient was already texted, if it still works. A fresh one is not
    issued here: that would end the link in the patient's email, so without a live one
    the front desk is flagged instead."""
    paths = ctx.session.scalars(
        select(Notice.context["manage_path"].as_string())
        .where(Notice.appointment_id == visit.id)
        .order_by(Notice.created_at.desc())
    )
    expires = visit.manage_token_expires_at
    path: str | None
    for path in paths:
        token = (path or "").removeprefix("/manage/")
        live = expires is not None and expires > ctx.now
        if token and live and hash_token(token) == visit.manage_token_hash:
            return public_url.rstrip("/") + str(path)
    return None


def _clinic_phone(ctx: Context, sender: Sender) -> str | None:
    """The phone of the sender's visit's location, else of any active location."""
    if sender.appointment is not None:
        location = ctx.session.get(Location, sender.appointment.location_id)
        if location is not None and location.phone:
            return location.phone
    return ctx.session.scalar(
        select(Location.phone)
        .where(Location.active.is_(True), Location.phone.is_not(None))
        .order_by(Location.name)
        .limit(1)
    )
