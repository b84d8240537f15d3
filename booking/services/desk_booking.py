"""The front desk books a visit for a patient: which types, the gates that visit has for
this patient, and the open times to choose from. The booking itself is
:func:`booking.services.appointments.book` (or :func:`booking.services.series.book_series`),
the API's own entry points."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from booking.models import AppointmentType, Clinician, Location, Patient
from booking.services import clinic_setup
from booking.services.availability import open_slots
from booking.services.context import Context
from booking.services.desk import active_locations, pick_location


@dataclass(frozen=True)
class Gate:
    label: str
    met: bool
    waivable: bool  # only the escort, by staff with a reason (booking.gates)


@dataclass(frozen=True)
class OpenTime:
    starts_at: datetime  # in the location's zone
    clinician_id: uuid.UUID
    clinician_name: str


@dataclass(frozen=True)
class BookingChoices:
    patient: Patient
    kinds: list[AppointmentType]
    locations: list[Location]
    clinicians: list[Clinician]
    kind: AppointmentType | None
    location: Location
    clinician_id: uuid.UUID | None
    day: date
    gates: list[Gate]
    open_times: list[OpenTime]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.location.timezone)

    @property
    def blocked(self) -> bool:
        """A clinical gate is unmet: no booking can be made, whatever the desk enters."""
        return any(not gate.met and not gate.waivable for gate in self.gates)


def gates_for(kind: AppointmentType, patient: Patient) -> list[Gate]:
    """The gates of ``kind`` as they stand for ``patient``; the escort is entered with the
    booking, so it shows as needed (not met) until then."""
    rows = (
        (kind.requires_consult, "A completed consult", patient.consult_completed_at, False),
        (kind.requires_consent, "Signed treatment consent", patient.consent_signed_at, False),
        (kind.requires_rems, "REMS enrollment", patient.rems_enrolled_at, False),
        (kind.requires_escort, "A named adult escort (name and phone)", None, True),
    )
    return [
        Gate(label, met is not None, waivable) for needed, label, met, waivable in rows if needed
    ]


def booking_choices(
    ctx: Context,
    *,
    patient_id: uuid.UUID,
    type_id: uuid.UUID | None,
    location_id: uuid.UUID | None,
    clinician_id: uuid.UUID | None,
    day: date | None,
) -> BookingChoices:
    patient = ctx.get(Patient, patient_id, "patient")
    location = pick_location(ctx, location_id)
    zone = ZoneInfo(location.timezone)
    day = day or ctx.now.astimezone(zone).date()
    kinds = [k for k in clinic_setup.list_appointment_types(ctx) if k.active]
    kind = next((k for k in kinds if k.id == type_id), None)
    everyone = [c for c in clinic_setup.list_clinicians(ctx) if c.active]
    clinicians = everyone
    times: list[OpenTime] = []
    if kind is not None:
        clinicians = [c for c in everyone if kind in c.appointment_types]
        names = {c.id: c.name for c in everyone}
        found = open_slots(
            ctx, appointment_type_id=kind.id, first_day=day, last_day=day,
            location_id=location.id, clinician_id=clinician_id,
        )  # fmt: skip
        seen: set[tuple[datetime, uuid.UUID]] = set()
        for slot in found.slots:
            if (slot.starts_at, slot.clinician_id) not in seen:
                seen.add((slot.starts_at, slot.clinician_id))
                name = names.get(slot.clinician_id, "")
                times.append(OpenTime(slot.starts_at, slot.clinician_id, name))
    return BookingChoices(
        patient=patient, kinds=kinds, locations=active_locations(ctx),
        clinicians=clinicians, kind=kind, location=location, clinician_id=clinician_id,
        day=day, gates=gates_for(kind, patient) if kind else [], open_times=times,
    )  # fmt: skip
