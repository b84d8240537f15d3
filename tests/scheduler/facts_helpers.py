"""Plain facts for the scheduler's tests: a New York clinic and a consenting patient."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.facts import AppointmentFacts, Change

NY = "America/New_York"
# Thursday 26 November 2026, 10:00 in New York (the suite's frozen clock).
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def facts(
    *, kind: str = "consult", starts_in: timedelta = timedelta(days=10),
    minutes: int = 60, **overrides: Any,
) -> AppointmentFacts:  # fmt: skip
    starts_at = overrides.pop("starts_at", NOW + starts_in)
    base = AppointmentFacts(
        appointment_id=uuid.uuid4(), change=Change.BOOKED, status="booked", kind=kind,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), zone=NY,
        patient_id=uuid.uuid4(), sequence=1, patient_name="Ada",
        patient_phone="+16175550101", patient_email="ada@example.org",
        sms_consent=True, email_consent=True, escort_name="Ben",
        escort_phone="+16175550102", location_name="Back Bay", visit_name="Consultation",
    )  # fmt: skip
    return replace(base, **overrides)
