"""The availability use case: bookable starts for one appointment type over a range of days."""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from booking import availability as av
from booking.schemas.appointments import AvailabilityOut, SlotOut
from booking.services.appointments import bookable_type
from booking.services.clinic_setup import require_location
from booking.services.context import Context
from booking.services.slots import read_availability_inputs
from core.errors import Invalid

MAX_RANGE_DAYS = 62


def open_slots(
    ctx: Context,
    *,
    appointment_type_id: uuid.UUID,
    first_day: date,
    last_day: date,
    location_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    tz: str | None = None,
) -> AvailabilityOut:
    """Every open start, rendered in ``tz`` (else the location's zone)."""
    if last_day < first_day or (last_day - first_day).days > MAX_RANGE_DAYS:
        raise Invalid(
            "invalid_range", f"end must be on or after start, at most {MAX_RANGE_DAYS} days"
        )
    kind = bookable_type(ctx, appointment_type_id)
    location = require_location(ctx, location_id)
    inputs = read_availability_inputs(
        ctx, location=location, kind=kind, first_day=first_day, last_day=last_day,
        clinician_id=clinician_id,
    )  # fmt: skip
    zone = ZoneInfo(tz or location.timezone)
    slots = [_slot(slot, zone) for slot in av.find_slots(inputs)]
    return AvailabilityOut(
        appointment_type_id=kind.id, location_id=location.id, timezone=zone.key, slots=slots
    )


def _slot(slot: av.Slot, zone: ZoneInfo) -> SlotOut:
    return SlotOut(
        starts_at=slot.starts_at.astimezone(zone), ends_at=slot.ends_at.astimezone(zone),
        clinician_id=slot.clinician_id, room_id=slot.room_id,
    )  # fmt: skip
