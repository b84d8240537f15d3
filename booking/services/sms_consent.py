"""Opting a number out of texts, and back in, from the number's own reply.

The registry is kept by number (``notifications.models.SmsOptOut``) and re-checked by
dispatch before every text, whoever the number belongs to: a patient, an escort, or nobody
yet. A patient's STOP also clears their ``sms_consent_at`` (exactly as a Twilio 21610
does); an escort's STOP touches no patient record, so ``no_escort_messages`` stays the
patient's own confidential-communication choice and START from the escort's number gives
the escort their texts back. START restores a patient's consent only where a STOP took it
away; one never given stays for staff to record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from booking.models import AuditEvent, Patient
from booking.services.audit import delete_audited, record_create, update_audited
from booking.services.context import Context
from notifications.models import SmsOptOut

OPT_OUT_ACTION = "patient.sms_opt_out"  # the action dispatch's 21610 recorder writes too
OPT_IN_ACTION = "patient.sms_opt_in"
NUMBER_OPT_OUT = "sms.number_opted_out"
NUMBER_OPT_IN = "sms.number_opted_in"


def _entry(session: Session, phone: str) -> SmsOptOut | None:
    if session.get_bind().dialect.name == "postgresql":
        # Two texts from one number (different MessageSids) take turns here, so the second
        # finds the first one's row instead of failing on the unique phone. SQLite already
        # serializes writers.
        lock = sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
        session.execute(lock, {"key": f"sms_opt_out:{phone}"})
    return session.scalar(select(SmsOptOut).where(SmsOptOut.phone == phone))


def opted_out_since(session: Session, phone: str | None) -> datetime | None:
    """Since when ``phone`` is in the registry (None: it takes texts, consent permitting)."""
    if not phone:
        return None
    return session.scalar(select(SmsOptOut.opted_out_at).where(SmsOptOut.phone == phone))


def register(ctx: Context, *, phone: str) -> bool:
    """The number joins the registry (audited; a repeat keeps the first moment). Also what
    dispatch calls on a Twilio 21610. Did it join now?"""
    if _entry(ctx.session, phone) is not None:
        return False
    entry = SmsOptOut(phone=phone, opted_out_at=ctx.now)
    ctx.session.add(entry)
    record_create(ctx, entry, action=NUMBER_OPT_OUT)
    return True


def opt_out(ctx: Context, *, phone: str) -> int:
    """The number joins the registry and every patient with it loses SMS consent (audited);
    how many records changed."""
    changed = int(register(ctx, phone=phone))
    for patient in ctx.session.scalars(
        select(Patient).where(Patient.phone == phone, Patient.sms_consent_at.is_not(None))
    ).all():
        update_audited(
            ctx, patient, {"sms_consent_at": None}, action=OPT_OUT_ACTION, patient_id=patient.id
        )
        changed += 1
    return changed


def opt_in(ctx: Context, *, phone: str) -> bool:
    """The number leaves the registry, and patients with it whose consent a STOP removed get
    it back (audited). True when texts are on again for the number: False when it was not
    opted out, or is a patient's whose consent was never given (staff record that)."""
    entry = _entry(ctx.session, phone)
    if entry is not None:
        delete_audited(ctx, entry, action=NUMBER_OPT_IN)
    stopped = exists().where(
        AuditEvent.patient_id == Patient.id, AuditEvent.action == OPT_OUT_ACTION
    )
    patients = ctx.session.scalars(
        select(Patient).where(Patient.phone == phone, Patient.sms_consent_at.is_(None), stopped)
    ).all()
    for patient in patients:
        update_audited(
            ctx, patient, {"sms_consent_at": ctx.now}, action=OPT_IN_ACTION, patient_id=patient.id
        )
    never_consented = ctx.session.scalar(
        select(exists().where(Patient.phone == phone, Patient.sms_consent_at.is_(None)))
    )
    return bool(patients) or (entry is not None and not never_consented)
