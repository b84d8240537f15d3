"""The notice policy: which reminders, ride and aftercare notices an appointment gets, when.

It plans nothing yet; the notices issue fills it in. Booking already calls it for every
change, in the same transaction, so notices can never drift from the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.facts import AppointmentFacts


@dataclass(frozen=True)
class PlannedNotice:
    key: str
    due_at: datetime
    template: str


def notices_for(facts: AppointmentFacts) -> list[PlannedNotice]:
    return []
