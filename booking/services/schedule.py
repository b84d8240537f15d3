"""A clinician's own schedule by day: what the clinician pages show.

The same appointments the API's staff search returns for ``clinician_id`` and ``day``
(booking.services.listing), over several days at once and with the names a person reads
(visit type, patient, chair) joined in one statement instead of one lookup per row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.models import Appointment, AppointmentStatus, AppointmentType, Location, Patient, Room
from booking.services import reference
from booking.services.context import Context


@dataclass(frozen=True)
class Visit:
    appointment_id: uuid.UUID
    starts_at: datetime  # in the location's zone
    ends_at: datetime
    visit_type: str
    patient: str
    room: str | None
    location: str
    status: AppointmentStatus


@dataclass(frozen=True)
class Day:
    on: date
    visits: list[Visit]


def clinic_zone(ctx: Context) -> str:
    """The zone days are counted in: the first active location's (UTC with none set up)."""
    places = reference.current(ctx).active_locations
    found = reference.location(ctx, places[0]) if places else None
    return found.timezone if found else "UTC"


_COLUMNS = (
    Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.status,
    AppointmentType.name, Patient.given_name, Patient.family_name, Room.name, Location.name,
    Location.timezone,
)  # fmt: skip


_COLUMNS = (
    Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.status,
    AppointmentType.name, Patient.given_name, Patient.family_name, Room.name, Location.name,
    Location.timezone,
)  # fmt: skip


def days(ctx: Context, *, clinician_id: uuid.UUID, first: date, count: int) -> list[Day]:
    """``count`` days from ``first`` (local dates in the clinic's zone), each with its
    visits by start time, cancelled ones included so the clinician sees what changed."""
    zone = ZoneInfo(clinic_zone(ctx))
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=count), time(), zone).astimezone(UTC)
    a = Appointment
    rows = ctx.session.execute(
        select(*_COLUMNS)
        .join(AppointmentType, AppointmentType.id == a.appointment_type_id)
        .join(Patient, Patient.id == a.patient_id)
        .join(Location, Location.id == a.location_id)
        .outerjoin(Room, Room.id == a.room_id)
        .where(a.clinician_id == clinician_id, a.starts_at >= start, a.starts_at < end)
        .order_by(a.starts_at, a.id)
    )
    by_day: dict[date, list[Visit]] = {first + timedelta(days=n): [] for n in range(count)}
    for row in rows:
        place = ZoneInfo(row[9])
        starts = row.starts_at.astimezone(place)
        visit = Visit(
            appointment_id=row.id, starts_at=starts,
            ends_at=row.ends_at.astimezone(place), visit_type=row[4],
            patient=f"{row.given_name} {row.family_name}", room=row[7], location=row[8],
            status=row.status,
        )  # fmt: skip
        by_day.setdefault(row.starts_at.astimezone(zone).date(), []).append(visit)
    return [Day(on=on, visits=visits) for on, visits in sorted(by_day.items())]
