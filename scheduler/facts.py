"""What the scheduler is told about an appointment: plain facts, no booking internals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AppointmentFacts:
    appointment_id: uuid.UUID
    change: str  # booked | rescheduled | cancelled | checked_in | completed | no_show
    status: str
    kind: str  # consult | follow_up | iv_infusion | esketamine
    starts_at: datetime
    ends_at: datetime
    zone: str
    patient_id: uuid.UUID
    completed_at: datetime | None = None
