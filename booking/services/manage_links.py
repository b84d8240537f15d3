"""The patient's secret manage link: issued with each appointment, found by its hash,
replaced on demand, and valid until one grace period after the visit ends.

Only the token's hash is stored; the token itself is shown once, in the answer that
issued it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from booking.models import Appointment
from booking.services.audit import record
from booking.services.context import Context
from core.errors import Conflict, NotFound
from core.tokens import hash_token, new_token

# Aftercare and the visit's details stay readable for a week after it ends.
GRACE = timedelta(days=7)


_IN_TEXT = re.compile(r"(/manage/)[^/?#\s]+")


def hidden_in(text: str | None) -> str | None:
    """``text`` as staff see it: a link that lets anyone act as the patient is not shown
    (staff re-issue one when a patient needs it)."""
    return _IN_TEXT.sub(r"\1[hidden]", text) if text else text


def expires_at(ends_at: datetime) -> datetime:
    return ends_at + GRACE


def url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/manage/{token}"


def issue(appointment: Appointment) -> str:
    """Give ``appointment`` a fresh link (replacing any other) and return its token."""
    token = new_token()
    appointment.manage_token_hash = hash_token(token)
    appointment.manage_token_expires_at = expires_at(appointment.ends_at)
    return token


def find(ctx: Context, token: str) -> Appointment:
    """The appointment whose live link this is, else 404. Whatever ``token`` holds (any length,
    any characters) it is hashed and looked up, so a malformed token costs the same work and
    gets the same answer as an unknown one."""
    appointment = ctx.session.scalar(
        select(Appointment).where(Appointment.manage_token_hash == hash_token(token))
    )
    expires = appointment.manage_token_expires_at if appointment else None
    if appointment is None or expires is None or expires <= ctx.now:
        raise NotFound("appointment")
    return appointment


def rotate(ctx: Context, appointment: Appointment) -> str:
    """Replace the patient's link; the old one stops working at once (audited)."""
    token = issue(appointment)
    record(
        ctx, action="appointment.manage_link_rotated", entity=appointment,
        patient_id=appointment.patient_id, appointment_id=appointment.id,
    )  # fmt: skip
    ctx.session.flush()
    return token


def reissue(ctx: Context, *, appointment_id: uuid.UUID) -> str:
    """Staff send a patient a new link (the old one lost or shared); the old one ends."""
    appointment = ctx.get(Appointment, appointment_id, "appointment")
    if expires_at(appointment.ends_at) <= ctx.now:
        raise Conflict(
            "too_late", "a manage link ends a week after the appointment; this one has passed"
        )
    return rotate(ctx, appointment)
