"""The open times a patient may move their visit to, found through their manage link."""

from __future__ import annotations

from datetime import date

from booking.schemas.appointments import AvailabilityOut
from booking.services import availability, manage_links
from booking.services.context import Context


def open_times(
    ctx: Context, *, token: str, first_day: date, last_day: date, tz: str | None = None
) -> AvailabilityOut:
    """The same open starts a new booking of the visit's type and place would be offered."""
    appointment = manage_links.find(ctx, token)
    return availability.open_slots(
        ctx, appointment_type_id=appointment.appointment_type_id, first_day=first_day,
        last_day=last_day, location_id=appointment.location_id, tz=tz,
    )  # fmt: skip
