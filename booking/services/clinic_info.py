"""The public clinic information a booking page shows without a login: the types patients
may book online, where, and the display names of who they would see.

Only what a patient may book is described: an inactive or staff-only type, an inactive
location or a clinician who cannot be booked online never appears, and no id is given
beyond the type and location ids a booking page passes to availability."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import or_, select

from booking.models import (
    AppointmentType,
    Clinician,
    Location,
    Room,
    WorkingHours,
    clinician_appointment_types,
)
from booking.schemas.manage import ClinicOut, PublicLocation, PublicType
from booking.services.context import Context
from booking.services.manage_view import display_name


def clinic_information(ctx: Context, *, clinic_name: str) -> ClinicOut:
    types = list(
        ctx.session.scalars(
            select(AppointmentType)
            .where(AppointmentType.active, AppointmentType.online_bookable)
            .order_by(AppointmentType.name)
        )
    )
    locations = {
        loc.id: loc for loc in ctx.session.scalars(select(Location).where(Location.active))
    }
    staffed = _staffed(ctx, [t.id for t in types], set(locations))
    equipped = _equipped(ctx)
    offered = []
    for kind in types:
        where = {
            location_id: names
            for location_id, names in staffed[kind.id].items()
            if kind.room_kind is None or (location_id, kind.room_kind) in equipped
        }
        if where:
            offered.append(_public_type(kind, where, locations))
    used = {location_id for t in offered for location_id in t.location_ids}
    return ClinicOut(
        name=clinic_name,
        locations=[
            _public_location(locations[i])
            for i in sorted(used, key=lambda i: (locations[i].name, i))
        ],
        appointment_types=offered,
        clinicians=sorted({name for t in offered for name in t.clinicians}),
    )


def _staffed(
    ctx: Context, type_ids: list[uuid.UUID], location_ids: set[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, set[str]]]:
    """type -> location -> display names of the active, qualified clinicians who have weekly
    hours there (not ended)."""
    recent = (ctx.now - timedelta(days=1)).date()  # a day's slack for the zones' dates
    rows = ctx.session.execute(
        select(
            clinician_appointment_types.c.appointment_type_id, WorkingHours.location_id, Clinician
        )
        .join(Clinician, Clinician.id == clinician_appointment_types.c.clinician_id)
        .join(WorkingHours, WorkingHours.clinician_id == Clinician.id)
        .where(
            clinician_appointment_types.c.appointment_type_id.in_(type_ids),
            Clinician.active,
            or_(WorkingHours.effective_until.is_(None), WorkingHours.effective_until >= recent),
        )
    )
    staffed: dict[uuid.UUID, dict[uuid.UUID, set[str]]] = defaultdict(lambda: defaultdict(set))
    for type_id, location_id, clinician in rows:
        if location_id in location_ids:
            staffed[type_id][location_id].add(display_name(clinician))
    return staffed


def _equipped(ctx: Context) -> set[tuple[uuid.UUID, object]]:
    """(location, room kind) pairs with at least one active room of that kind."""
    rows = ctx.session.execute(select(Room.location_id, Room.kind).where(Room.active).distinct())
    return {(location_id, kind) for location_id, kind in rows}


def _public_type(
    kind: AppointmentType, where: dict[uuid.UUID, set[str]], locations: dict[uuid.UUID, Location]
) -> PublicType:
    return PublicType(
        id=kind.id, name=kind.public_name, description=kind.description,
        minutes=max(kind.clinician_minutes, kind.room_minutes),
        location_ids=sorted(where, key=lambda i: (locations[i].name, i)),
        clinicians=sorted(set().union(*where.values())),
    )  # fmt: skip


def _public_location(location: Location) -> PublicLocation:
    return PublicLocation(
        id=location.id, name=location.name, address=location.address, phone=location.phone,
        timezone=location.timezone,
    )  # fmt: skip
