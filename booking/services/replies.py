"""Staff replies to a patient by SMS, under the rules every text keeps: SMS consent and
opt-outs, the patient's contact restriction, quiet hours (overridable with a reason, which
is audited) and the privacy deny-list (DOMAIN.md: nothing on a patient's phone names a drug,
a treatment or a diagnosis, whoever wrote it). Sent through the outbox, so it is retried,
rate limited and re-checked against an opt-out at send time like every other text.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.message_notices import queue_staff_reply, sms_allowed
from booking.models import Appointment, InboundMessage, Location, Patient, StaffReply
from booking.services import sms_consent
from booking.services.audit import record_create
from booking.services.context import Context
from core.errors import Conflict, Invalid
from notifications.privacy import forbidden_terms_in
from scheduler.models import Notice
from scheduler.quiet_hours import allowed
from scheduler.rules import QuietHours

REPLY_ACTION = "patient.sms_reply"


def reply_to_message(
    ctx: Context, *, message_id: uuid.UUID, text: str, quiet_hours_reason: str | None,
    hours: QuietHours,
) -> dict[str, Any]:  # fmt: skip
    """Answer an inbound text; its sender must be one known patient (staff choose otherwise)."""
    message = ctx.get(InboundMessage, message_id, "message")
    if message.patient_id is None:
        raise Conflict(
            "reply_needs_patient",
            "this text is not matched to one patient: reply from the patient's own record",
        )
    patient = ctx.get(Patient, message.patient_id, "patient")
    return _send(ctx, patient, message, text, quiet_hours_reason, hours)


def message_patient(
    ctx: Context, *, patient_id: uuid.UUID, text: str, quiet_hours_reason: str | None,
    hours: QuietHours,
) -> dict[str, Any]:  # fmt: skip
    """A text to a patient, not in answer to a particular message."""
    patient = ctx.get(Patient, patient_id, "patient")
    return _send(ctx, patient, None, text, quiet_hours_reason, hours)


def _send(
    ctx: Context, patient: Patient, inbound: InboundMessage | None, text: str,
    reason: str | None, hours: QuietHours,
) -> dict[str, Any]:  # fmt: skip
    words = forbidden_terms_in(text)
    if words:
        raise Invalid(
            "forbidden_words", "a text may not name a drug, a treatment or a diagnosis",
            words=sorted(set(words)),
        )  # fmt: skip
    phone = _textable(ctx, patient)
    zone = _zone(ctx, patient, inbound)
    quiet = not allowed(ctx.now, ZoneInfo(zone), hours)
    reason = (reason or "").strip() or None
    if quiet and reason is None:
        raise Conflict(
            "quiet_hours", "it is quiet hours for the patient: give a reason to send it now"
        )
    reply = StaffReply(
        patient_id=patient.id, inbound_id=inbound.id if inbound else None,
        to_number=phone, body=text, sent_by=ctx.actor.id, created_at=ctx.now,
        quiet_hours_reason=reason if quiet else None,
    )  # fmt: skip
    ctx.session.add(reply)
    record_create(ctx, reply, action=REPLY_ACTION, patient_id=patient.id)
    queue_staff_reply(
        ctx.session, reply_id=reply.id, patient_id=patient.id, phone=phone, text=text,
        zone=zone, now=ctx.now,
    )  # fmt: skip
    ctx.session.flush()
    return shown(reply, status="pending")


def _textable(ctx: Context, patient: Patient) -> str:
    """The patient's number, if a text may go to it now: not one that replied STOP (409
    ``opted_out``, until it texts START), and one the patient consented to be texted at
    (409 ``no_sms_consent``: never given, withdrawn, or email only)."""
    since = sms_consent.opted_out_since(ctx.session, patient.phone)
    if since is not None:
        raise Conflict(
            "opted_out",
            f"this number replied STOP on {since:%Y-%m-%d %H:%M} UTC: nothing is texted to it "
            "until it texts START",
            opted_out_at=since.isoformat(),
        )  # fmt: skip
    if patient.phone is None or not sms_allowed(patient):
        raise Conflict(
            "no_sms_consent",
            "the patient has not consented to texts (or asked for email only): record their "
            "consent first",
        )  # fmt: skip
    return patient.phone


def _zone(ctx: Context, patient: Patient, inbound: InboundMessage | None) -> str:
    """The patient's zone, else their visit's location's, else the clinic's first one's."""
    if patient.timezone:
        return patient.timezone
    query = select(Location.timezone).where(Location.active.is_(True)).order_by(Location.name)
    if inbound is not None and inbound.appointment_id is not None:
        visit = ctx.session.get(Appointment, inbound.appointment_id)
        if visit is not None:
            query = select(Location.timezone).where(Location.id == visit.location_id)
    return ctx.session.scalar(query.limit(1)) or "UTC"


def shown(reply: StaffReply, *, status: str) -> dict[str, Any]:
    return {
        "id": reply.id, "direction": "out", "at": reply.created_at, "body": reply.body,
        "number": reply.to_number, "patient_id": reply.patient_id,
        "in_reply_to": reply.inbound_id, "sent_by": reply.sent_by, "status": status,
        "quiet_hours_reason": reply.quiet_hours_reason, "urgent": False,
    }  # fmt: skip


def conversation(ctx: Context, *, patient_id: uuid.UUID, limit: int = 200) -> list[dict[str, Any]]:
    """Every text from and to the patient, oldest first: theirs and staff replies."""
    ctx.get(Patient, patient_id, "patient")
    received = ctx.session.scalars(
        select(InboundMessage).where(InboundMessage.patient_id == patient_id)
    )
    entries = [
        {"id": m.id, "direction": "in", "at": m.received_at, "body": m.body,
         "number": m.from_number, "patient_id": m.patient_id, "in_reply_to": None,
         "sent_by": None, "status": "handled" if m.handled_at else "unread",
         "quiet_hours_reason": None, "urgent": m.urgent}
        for m in received
    ]  # fmt: skip
    replies = list(
        ctx.session.scalars(select(StaffReply).where(StaffReply.patient_id == patient_id))
    )
    keys = [f"reply/{reply.id}" for reply in replies]
    found = ctx.session.execute(select(Notice.key, Notice.status).where(Notice.key.in_(keys)))
    statuses = {row.key: row.status for row in found}
    for reply in replies:
        status = statuses.get(f"reply/{reply.id}")
        entries.append(shown(reply, status=status.value if status else "pending"))
    entries.sort(key=lambda e: (e["at"], e["direction"] == "out"))
    return entries[-limit:]
