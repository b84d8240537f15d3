"""Staff views of the book: appointments by day, clinician, room, patient and status."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.models import Appointment, AppointmentStatus
from booking.services.clinic_setup import require_location
from booking.services.context import Context


def search(
    ctx: Context,
    *,
    day: date | None,
    clinician_id: uuid.UUID | None,
    room_id: uuid.UUID | None,
    patient_id: uuid.UUID | None,
    location_id: uuid.UUID | None,
    status: AppointmentStatus | None,
    limit: int,
) -> list[Appointment]:
    query = select(Appointment).order_by(Appointment.starts_at, Appointment.id).limit(limit)
    if day is not None:
        location = require_location(ctx, location_id)
        zone = ZoneInfo(location.timezone)
        start = datetime.combine(day, time(), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
        query = query.where(
            Appointment.location_id == location.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    elif location_id is not None:
        query = query.where(Appointment.location_id == location_id)
    for column, value in (
        (Appointment.clinician_id, clinician_id),
        (Appointment.room_id, room_id),
        (Appointment.patient_id, patient_id),
        (Appointment.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(ctx.session.scalars(query))
