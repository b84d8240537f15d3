"""Opting a number out of texts, and back in, from the number's own reply.

The registry is the one dispatch already keeps and re-checks at send time: a patient's
``sms_consent_at`` (cleared on STOP, exactly as a Twilio 21610 clears it) and, for an
escort's number, the patient's ``no_escort_messages``. START restores consent only for
patients whose consent a STOP took away; one never given stays for staff to record.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from booking.models import Appointment, AppointmentStatus, AuditEvent, Patient
from booking.services.audit import update_audited
from booking.services.context import Context

OPT_OUT_ACTION = "patient.sms_opt_out"  # the action dispatch's 21610 recorder writes too
OPT_IN_ACTION = "patient.sms_opt_in"
_LIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def opt_out(ctx: Context, *, phone: str) -> int:
    """Every patient with ``phone`` loses SMS consent, and every patient ``phone`` escorts
    gets no more escort texts; how many records changed."""
    changed = 0
    for patient in ctx.session.scalars(
        select(Patient).where(Patient.phone == phone, Patient.sms_consent_at.is_not(None))
    ).all():
        update_audited(
            ctx, patient, {"sms_consent_at": None}, action=OPT_OUT_ACTION, patient_id=patient.id
        )
        changed += 1
    escorted = select(Appointment.patient_id).where(
        Appointment.escort_phone == phone, Appointment.status.in_(_LIVE)
    )
    for patient in ctx.session.scalars(
        select(Patient).where(Patient.id.in_(escorted), Patient.no_escort_messages.is_(False))
    ).all():
        update_audited(
            ctx, patient, {"no_escort_messages": True}, action="patient.escort_sms_opt_out",
            patient_id=patient.id,
        )  # fmt: skip
        changed += 1
    return changed


def opt_in(ctx: Context, *, phone: str) -> int:
    """Patients with ``phone`` whose consent a STOP removed get it back (audited)."""
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
    return len(patients)
