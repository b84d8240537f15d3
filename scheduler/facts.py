"""What the scheduler is told about an appointment: plain facts, no booking internals."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime


class Change(enum.StrEnum):
    """What just happened to the appointment (the policy plans from it)."""

    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CORRECTED = "corrected"  # a check-in, discharge or no-show undone: back to ``status``


@dataclass(frozen=True)
class AppointmentFacts:
    appointment_id: uuid.UUID
    change: Change
    status: str
    kind: str  # consult | follow_up | iv_infusion | esketamine
    starts_at: datetime
    ends_at: datetime
    zone: str
    patient_id: uuid.UUID
    completed_at: datetime | None = None
