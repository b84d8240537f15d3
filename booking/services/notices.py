"""What staff read of the outbox: every notice of an appointment or a patient (planned,
sent with its text, failed or skipped and why), and the staff task list (REMS forms)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, func, select

from booking.models import Appointment, Patient
from booking.services.context import Context
from booking.services.manage_links import hidden_in
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind

_ORDER = (Notice.due_at, Notice.created_at, Notice.key)


_SHOWN = (
    "id", "appointment_id", "kind", "audience", "channel", "recipient", "status", "reason",
    "last_error", "attempts", "subject", "text",
)  # fmt: skip


def _shown(notice: Notice) -> dict[str, Any]:
    """What staff see of a row, its times in the recipient's zone with its offset."""
    zone = ZoneInfo(notice.zone)
    shown = {name: getattr(notice, name) for name in _SHOWN}
    shown["text"] = hidden_in(notice.text)
    shown["due_at"] = notice.due_at.astimezone(zone)
    shown["sent_at"] = notice.sent_at.astimezone(zone) if notice.sent_at else None
    return shown


def for_appointment(ctx: Context, *, appointment_id: uuid.UUID) -> list[dict[str, Any]]:
    ctx.get(Appointment, appointment_id, "appointment")
    rows = ctx.session.scalars(
        select(Notice).where(Notice.appointment_id == appointment_id).order_by(*_ORDER)
    )
    return [_shown(row) for row in rows]


def for_patient(ctx: Context, *, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    ctx.get(Patient, patient_id, "patient")
    rows = ctx.session.scalars(
        select(Notice)
        .join(Appointment, Appointment.id == Notice.appointment_id)
        .where(Appointment.patient_id == patient_id)
        .order_by(*_ORDER)
    )
    return [_shown(row) for row in rows]


@dataclass(frozen=True)
class Task:
    id: uuid.UUID
    kind: NoticeKind
    due_at: datetime
    appointment_id: uuid.UUID
    patient_initials: str
    status: NoticeStatus


def tasks(
    ctx: Context, *, include_done: bool = False, clinician_id: uuid.UUID | None = None
) -> list[Task]:
    """Staff tasks the policy planned (the REMS monitoring form), soonest first; only those
    of ``clinician_id``'s appointments when given (a clinician's own list)."""
    n, a, p = Notice, Appointment, Patient
    # Typed as strings so "+" is SQL's || (untyped, PostgreSQL read it as text + text).
    initials = func.substr(p.given_name, 1, 1, type_=String) + func.substr(
        p.family_name, 1, 1, type_=String
    )
    query = (
        select(n.id, n.kind, n.due_at, n.zone, n.appointment_id, n.status, initials)
        .join(a, a.id == n.appointment_id)
        .join(p, p.id == a.patient_id)
        .where(n.audience == Audience.STAFF)
        .order_by(n.due_at, n.id)
    )
    if not include_done:
        query = query.where(n.status == NoticeStatus.PENDING)
    if clinician_id is not None:
        query = query.where(a.clinician_id == clinician_id)
    return [
        Task(
            id=row.id,
            kind=row.kind,
            due_at=row.due_at.astimezone(ZoneInfo(row.zone)),
            appointment_id=row.appointment_id,
            patient_initials=row[6],
            status=row.status,
        )
        for row in ctx.session.execute(query)
    ]
