"""One appointment as staff open it, with the messaging state around it: may the patient be
texted or emailed, did their number or the escort's reply STOP, and what they confirmed."""

from __future__ import annotations

import uuid

from booking.models import AppointmentKind, AppointmentType, Patient
from booking.schemas.appointments import AppointmentDetailOut, AppointmentOut
from booking.services import changes, sms_consent
from booking.services.context import Context

TREATMENTS = frozenset({AppointmentKind.IV_INFUSION, AppointmentKind.ESKETAMINE})


def detail(ctx: Context, *, appointment_id: uuid.UUID) -> AppointmentDetailOut:
    appointment = changes.load(ctx, appointment_id, lock=False)
    patient = ctx.get(Patient, appointment.patient_id, "patient")
    kind = ctx.get(AppointmentType, appointment.appointment_type_id, "appointment type")
    record = AppointmentOut.model_validate(appointment).model_dump()
    return AppointmentDetailOut.model_validate(
        record | {
            "ride_needed": kind.kind in TREATMENTS or bool(appointment.escort_phone),
            "patient_sms_consent_at": patient.sms_consent_at,
            "patient_sms_opted_out_at": patient.sms_opted_out_at,
            "patient_email_consent_at": patient.email_consent_at,
            "contact_restriction": patient.contact_restriction,
            "no_escort_messages": patient.no_escort_messages,
            "escort_sms_opted_out_at": sms_consent.opted_out_since(
                ctx.session, appointment.escort_phone
            ),
        }
    )  # fmt: skip
