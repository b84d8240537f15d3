"""The one entry point booking calls on every appointment change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.clock import SystemClock
from scheduler.facts import AppointmentFacts
from scheduler.policy import notices_for


def plan(session: Session, facts: AppointmentFacts) -> int:
    """Replace the appointment's pending notices with what the policy plans now.

    Runs inside the caller's transaction. Returns how many notices are pending.
    """
    planned = notices_for(facts, now=SystemClock().now())
    # The outbox table arrives with the notices issue; until then nothing is stored.
    del session
    return len(planned)
