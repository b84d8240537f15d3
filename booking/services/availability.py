"""The availability use case: bookable starts for one appointment type over a range of days."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from booking import availability as av
from booking.availability.plan import instant
from booking.availability.text import LocalText
from booking.schemas.appointments import AvailabilityOut, SlotOut
from booking.services.appointments import bookable_type
from booking.services.clinic_setup import require_location
from booking.services.context import Context
from booking.services.slots import read_availability_inputs
from core.errors import Invalid

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class _Found:
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    zone: ZoneInfo
    starts: list[av.Start]
    session: int  # µs


def _find(
    ctx: Context, *, appointment_type_id: uuid.UUID, first_day: date, last_day: date,
    location_id: uuid.UUID | None, clinician_id: uuid.UUID | None, tz: str | None,
    ignore_appointment: uuid.UUID | None = None,
) -> _Found:  # fmt: skip
    if last_day < first_day or (last_day - first_day).days > MAX_RANGE_DAYS:
        raise Invalid(
            "invalid_range", f"end must be on or after start, at most {MAX_RANGE_DAYS} days"
        )
    kind = bookable_type(ctx, appointment_type_id)
    location = require_location(ctx, location_id)
    inputs = read_availability_inputs(
        ctx, location=location, kind=kind, first_day=first_day, last_day=last_day,
        clinician_id=clinician_id, ignore_appointment=ignore_appointment,
    )  # fmt: skip
    starts, session = av.find_starts(inputs)
    return _Found(kind.id, location.id, ZoneInfo(tz or location.timezone), starts, session)


def open_slots(
    ctx: Context,
    *,
    appointment_type_id: uuid.UUID,
    first_day: date,
    last_day: date,
    location_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    tz: str | None = None,
    ignore_appointment: uuid.UUID | None = None,
) -> AvailabilityOut:
    """Every open start, rendered in ``tz`` (else the location's zone); with
    ``ignore_appointment``, the times that appointment could move to (its own time counts
    as free)."""
    found = _find(
        ctx, appointment_type_id=appointment_type_id, first_day=first_day, last_day=last_day,
        location_id=location_id, clinician_id=clinician_id, tz=tz,
        ignore_appointment=ignore_appointment,
    )  # fmt: skip
    zone = found.zone
    slots = [
        SlotOut(
            starts_at=instant(at).astimezone(zone),
            ends_at=instant(at + found.session).astimezone(zone), clinician_id=who, room_id=room,
        )
        for at, who, room in found.starts
    ]  # fmt: skip
    return AvailabilityOut(
        appointment_type_id=found.appointment_type_id, location_id=found.location_id,
        timezone=zone.key, slots=slots,
    )  # fmt: skip


def open_slots_json(
    ctx: Context,
    *,
    appointment_type_id: uuid.UUID,
    first_day: date,
    last_day: date,
    location_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    tz: str | None = None,
) -> bytes:
    """:func:`open_slots` as the JSON body of its ``AvailabilityOut``, byte for byte, written
    directly: a month of slots is hundreds of them, and building and validating a model per
    slot only to serialize it again cost more than finding them (the route declares the
    model for its OpenAPI document)."""
    found = _find(
        ctx, appointment_type_id=appointment_type_id, first_day=first_day, last_day=last_day,
        location_id=location_id, clinician_id=clinician_id, tz=tz,
    )  # fmt: skip
    zone = found.zone
    at = LocalText(zone)
    ids: dict[uuid.UUID | None, str] = {None: "null"}  # ids repeat across slots: each once
    for _, who, room in found.starts:
        for one in (who, room):
            if one not in ids:
                ids[one] = f'"{one}"'
    session = found.session
    slots = ",".join([
        _SLOT_JSON.format(at(start), at(start + session), ids[who], ids[room])
        for start, who, room in found.starts
    ])  # fmt: skip
    head = (
        f'{{"appointment_type_id":"{found.appointment_type_id}",'
        f'"location_id":"{found.location_id}","timezone":{json.dumps(zone.key)},'
    )
    return f'{head}"slots":[{slots}]}}'.encode()


# Only instants (ISO text with offsets) and UUIDs go in: nothing that JSON would escape.
_SLOT_JSON = '{{"starts_at":"{}","ends_at":"{}","clinician_id":{},"room_id":{}}}'
