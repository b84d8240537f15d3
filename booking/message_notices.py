"""Notices a text message causes, through the same outbox as appointment notices: the
on-call crisis alert and a staff reply. Written in the transaction of what caused them (the
inbound row, the reply), so neither is lost once that commits; sent, retried and rate
limited by the dispatcher like any other notice. They have no appointment: what they are
about is in ``context``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from booking.models import ContactRestriction, Patient
from notifications.channels.base import ChannelKind
from notifications.notices import Rendered
from notifications.staff_messages import crisis_alert, staff_reply
from scheduler.dispatch import Check
from scheduler.models import Notice, NoticeStatus
from scheduler.outbox import Due
from scheduler.rules import Audience, NoticeKind

K = NoticeKind


def _row(
    *, key: str, kind: NoticeKind, audience: Audience, channel: ChannelKind, recipient: str,
    zone: str, now: datetime, context: dict[str, Any],
) -> Notice:  # fmt: skip
    return Notice(
        appointment_id=None, key=key, kind=kind, audience=audience, channel=channel,
        recipient=recipient, zone=zone, moment_at=now, due_at=now, send_before=None,
        status=NoticeStatus.PENDING, attempts=0, context=context, fallbacks={},
        created_at=now, updated_at=now,
    )  # fmt: skip


def crisis_alert_key(inbound_id: uuid.UUID) -> str:
    """The outbox key of the on-call alert an urgent text caused (the inbox shows its state)."""
    return f"inbound/{inbound_id}/crisis_alert"


def queue_crisis_alert(
    session: Session, *, inbound_id: uuid.UUID, patient_id: uuid.UUID | None,
    oncall_email: str | None, now: datetime,
) -> Notice | None:  # fmt: skip
    """The on-call email for an urgent text, due now (None: no on-call address is set)."""
    if not oncall_email:
        return None
    context = {"inbound_id": str(inbound_id), "patient_id": str(patient_id or "") or None}
    row = _row(
        key=crisis_alert_key(inbound_id), kind=K.CRISIS_ALERT, audience=Audience.STAFF,
        channel=ChannelKind.EMAIL, recipient=oncall_email, zone="UTC", now=now,
        context=context,
    )  # fmt: skip
    session.add(row)
    return row


def queue_staff_reply(
    session: Session, *, reply_id: uuid.UUID, patient_id: uuid.UUID, phone: str, text: str,
    zone: str, now: datetime,
) -> Notice:  # fmt: skip
    """A staff reply by SMS, due now; quiet hours were settled when it was written."""
    context = {"reply_id": str(reply_id), "patient_id": str(patient_id), "text": text}
    row = _row(
        key=f"reply/{reply_id}", kind=K.STAFF_REPLY, audience=Audience.PATIENT,
        channel=ChannelKind.SMS, recipient=phone, zone=zone, now=now, context=context,
    )  # fmt: skip
    session.add(row)
    return row


def render(
    kind: NoticeKind, *, clinic_name: str, public_url: str, context: Mapping[str, Any]
) -> Rendered:
    if kind is K.CRISIS_ALERT:
        return crisis_alert(clinic_name, public_url, context)
    if kind is K.STAFF_REPLY:
        return staff_reply(clinic_name, context)
    raise ValueError(f"{kind.value} is not a message notice")


def sms_allowed(patient: Patient) -> bool:
    """The patient consented to texts and did not ask for email only."""
    restriction = patient.contact_restriction
    return patient.sms_consent_at is not None and restriction != ContactRestriction.EMAIL_ONLY


def recheck(session: Session, notice: Due) -> Check:
    """An alert always goes; a reply only while the patient still takes texts at that
    number (an opt-out after the reply was written stops it)."""
    if notice.kind is K.CRISIS_ALERT:
        return Check(ok=True)
    if notice.kind is not K.STAFF_REPLY:
        return Check(ok=False, reason="stale")
    patient = session.get(Patient, uuid.UUID(str(notice.context.get("patient_id"))))
    if patient is None:
        return Check(ok=False, reason="patient_gone")
    if not sms_allowed(patient) or patient.phone != notice.recipient:
        return Check(ok=False, reason="no_consent")
    return Check(ok=True)
