"""What the staff pages read in one call each: a patient's record, an appointment with its
notices and replies, the inbox in its three parts. Built from the services the API answers
with (patients, listing, replies, notices, inbox), so a page never states a rule twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from booking.message_notices import crisis_alert_key, sms_allowed
from booking.models import (
    Appointment,
    AppointmentType,
    AuditEvent,
    Clinician,
    InboundMessage,
    Location,
    Patient,
    Room,
)
from booking.services import inbox, listing, notices, replies
from booking.services.context import Context
from booking.services.sms_consent import OPT_OUT_ACTION
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import NoticeKind

# A patient's record lists this many of their appointments and texts (the newest).
RECORD_LIMIT = 200


@dataclass(frozen=True)
class Contact:
    """How the clinic may reach the patient, as the send-time checks read it."""

    texts_allowed: bool  # consent given, not withdrawn, not email-only
    opted_out: bool  # a STOP (or the carrier's 21610) took consent away
    escort_texts_stopped: bool  # their escort's number replied STOP


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    contact: Contact
    appointments: list[Appointment]
    conversation: list[dict[str, Any]]
    zone: str  # where the texts' times are read: the patient's, else their clinic's


def patient_record(ctx: Context, *, patient_id: uuid.UUID) -> PatientRecord:
    patient = ctx.get(Patient, patient_id, "patient")
    opted_out = patient.sms_consent_at is None and bool(
        ctx.session.scalar(
            select(
                exists().where(
                    AuditEvent.patient_id == patient.id, AuditEvent.action == OPT_OUT_ACTION
                )
            )
        )
    )
    contact = Contact(
        texts_allowed=patient.phone is not None and sms_allowed(patient),
        opted_out=opted_out,
        escort_texts_stopped=patient.no_escort_messages,
    )
    visits = listing.search(
        ctx, day=None, clinician_id=None, room_id=None, patient_id=patient.id,
        location_id=None, status=None, limit=RECORD_LIMIT,
    )  # fmt: skip
    talk = replies.conversation(ctx, patient_id=patient.id, limit=RECORD_LIMIT)
    zone = patient.timezone or (visits[0].location.timezone if visits else None)
    return PatientRecord(
        patient=patient, contact=contact, appointments=visits, conversation=talk,
        zone=zone or _clinic_zone(ctx),
    )  # fmt: skip


def _clinic_zone(ctx: Context) -> str:
    query = select(Location.timezone).where(Location.active.is_(True)).order_by(Location.name)
    return ctx.session.scalar(query.limit(1)) or "UTC"


@dataclass(frozen=True)
class AppointmentRecord:
    appointment: Appointment
    patient: Patient
    type_name: str
    clinician_name: str
    location: Location
    room_name: str | None
    notices: list[dict[str, Any]]
    replies: list[dict[str, Any]]  # texts the patient sent about this visit


@dataclass(frozen=True)
class AppointmentMessages:
    """What any appointment page shows of its messages (``_appointment_messages.html``)."""

    notices: list[dict[str, Any]]  # as GET /api/v1/appointments/{id}/notices
    replies: list[dict[str, Any]]  # inbox entries of the texts tied to the visit


def appointment_messages(ctx: Context, *, appointment_id: uuid.UUID) -> AppointmentMessages:
    texts = ctx.session.scalars(
        select(InboundMessage)
        .where(InboundMessage.appointment_id == appointment_id)
        .order_by(InboundMessage.received_at, InboundMessage.id)
    )
    return AppointmentMessages(
        notices=notices.for_appointment(ctx, appointment_id=appointment_id),
        replies=[inbox.shown(text) for text in texts],
    )


def appointment_record(ctx: Context, *, appointment_id: uuid.UUID) -> AppointmentRecord:
    visit = ctx.get(Appointment, appointment_id, "appointment")
    kind = ctx.get(AppointmentType, visit.appointment_type_id, "appointment type")
    clinician = ctx.get(Clinician, visit.clinician_id, "clinician")
    room = ctx.session.get(Room, visit.room_id) if visit.room_id else None
    messages = appointment_messages(ctx, appointment_id=visit.id)
    return AppointmentRecord(
        appointment=visit,
        patient=ctx.get(Patient, visit.patient_id, "patient"),
        type_name=kind.name,
        clinician_name=clinician.display_name or clinician.name,
        location=ctx.get(Location, visit.location_id, "location"),
        room_name=room.name if room else None,
        notices=messages.notices,
        replies=messages.replies,
    )


@dataclass(frozen=True)
class InboxView:
    """Urgent texts nobody has handled, then the other unhandled ones, then handled ones;
    each entry is the API's inbox entry plus ``patient_name`` and ``alert`` (the on-call
    email's state, None when no alert was queued)."""

    urgent: list[dict[str, Any]]
    unread: list[dict[str, Any]]
    handled: list[dict[str, Any]]
    zone: str  # the clinic's, for the times shown


def inbox_view(ctx: Context, *, limit: int = 200) -> InboxView:
    entries = inbox.list_inbox(ctx, limit=limit)
    names = _patient_names(ctx, {e["patient_id"] for e in entries if e["patient_id"]})
    alerts = _alert_states(ctx, [e["id"] for e in entries if e["urgent"]])
    view = InboxView(urgent=[], unread=[], handled=[], zone=_clinic_zone(ctx))
    for entry in entries:
        entry["patient_name"] = names.get(entry["patient_id"])
        entry["alert"] = alerts.get(entry["id"])
        if entry["handled_at"] is not None:
            view.handled.append(entry)
        elif entry["urgent"]:
            view.urgent.append(entry)
        else:
            view.unread.append(entry)
    return view


def _patient_names(ctx: Context, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = ctx.session.execute(
        select(Patient.id, Patient.given_name, Patient.family_name).where(Patient.id.in_(ids))
    )
    return {row.id: f"{row.given_name} {row.family_name}" for row in rows}


def _alert_states(ctx: Context, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, NoticeStatus]:
    """The crisis alert of each urgent text."""
    if not message_ids:
        return {}
    keys = {crisis_alert_key(mid): mid for mid in message_ids}
    rows = ctx.session.execute(
        select(Notice.key, Notice.status).where(
            Notice.kind == NoticeKind.CRISIS_ALERT, Notice.key.in_(keys)
        )
    )
    return {keys[row.key]: row.status for row in rows}
