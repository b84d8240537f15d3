"""Appointments needing attention: what the front desk sees of each."""

from __future__ import annotations

import uuid
from datetime import datetime

from booking.availability import StrandReason
from booking.models import AppointmentStatus
from booking.schemas.fields import OutSchema


class NeedsAttentionOut(OutSchema):
    appointment_id: uuid.UUID
    starts_at: datetime  # in the location's zone, with its offset
    ends_at: datetime
    clinician_id: uuid.UUID
    location_id: uuid.UUID
    status: AppointmentStatus
    patient_initials: str
    reason: StrandReason
