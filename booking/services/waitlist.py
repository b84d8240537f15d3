"""The waitlist: patients waiting for an earlier or a specific slot, matched when one frees up.

Matching marks the oldest fitting entry matched and offers it the slot (``offer_slots``): a
hold and a secret link, sent on the patient's consented channel. One slot, one live offer;
a declined or expired offer passes the slot to the next entry (``offers``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select

from booking.models import (
    Appointment,
    AppointmentType,
    Clinician,
    Location,
    OfferStatus,
    Patient,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from booking.schemas.appointments import WaitlistIn
from booking.services import occupancy
from booking.services.audit import record_create, update_audited
from booking.services.clinic_setup import require_location
from booking.services.context import Actor, Context
from booking.services.offer_slots import make_offer, release_hold
from booking.services.placement import place
from booking.services.slots import local_day
from core.errors import Conflict, DomainError


def join(ctx: Context, *, data: WaitlistIn) -> WaitlistEntry:
    ctx.get(Patient, data.patient_id, "patient")
    ctx.get(AppointmentType, data.appointment_type_id, "appointment type")
    if data.clinician_id is not None:
        ctx.get(Clinician, data.clinician_id, "clinician")
    location = require_location(ctx, data.location_id)
    entry = WaitlistEntry(
        patient_id=data.patient_id, appointment_type_id=data.appointment_type_id,
        location_id=location.id, clinician_id=data.clinician_id, earliest=data.earliest,
        latest=data.latest, note=data.note, created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(entry)
    record_create(ctx, entry, action="waitlist.join", patient_id=data.patient_id)
    return entry


def withdraw(ctx: Context, *, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = ctx.get(WaitlistEntry, entry_id, "waitlist entry")
    if entry.status in (WaitlistStatus.BOOKED, WaitlistStatus.WITHDRAWN):
        raise Conflict("invalid_transition", f"the entry is already {entry.status.value}")
    changes = {"status": WaitlistStatus.WITHDRAWN}
    update_audited(ctx, entry, changes, action="waitlist.withdraw", patient_id=entry.patient_id)
    offer = entry.offer
    if offer is not None and offer.status is OfferStatus.OFFERED:
        decide(ctx, offer, OfferStatus.WITHDRAWN)  # its link stops; the slot goes on now
        pass_on(ctx, offer)
    return entry


def waiting(
    ctx: Context, *, type_id: uuid.UUID | None, status: WaitlistStatus | None
) -> list[WaitlistEntry]:
    query = select(WaitlistEntry).order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    if type_id is not None:
        query = query.where(WaitlistEntry.appointment_type_id == type_id)
    if status is not None:
        query = query.where(WaitlistEntry.status == status)
    return list(ctx.session.scalars(query))


@dataclass(frozen=True)
class FreedSlot:
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    clinician_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: datetime

    @classmethod
    def of(cls, appointment: Appointment) -> FreedSlot:
        return cls(
            appointment.appointment_type_id, appointment.location_id, appointment.clinician_id,
            appointment.patient_id, appointment.starts_at,
        )  # fmt: skip


def match_freed(
    ctx: Context, *, freed: FreedSlot, kind: AppointmentType, location: Location
) -> WaitlistEntry | None:
    """The oldest waiting entry the slot ``freed`` just gave up would suit, marked matched
    and offered the slot.

    One slot goes to one patient at a time; the others keep their place in the queue, and
    nobody is offered the same slot twice. A slot that is not really free (a reschedule by a
    few minutes) matches nobody."""
    if freed.starts_at <= ctx.now:
        return None
    spot = _free_spot(ctx, freed, kind, location)
    if spot is None:
        return None
    entry = _next_entry(ctx, freed, location)
    if entry is None:
        return None
    changes = {
        "status": WaitlistStatus.MATCHED, "matched_at": ctx.now,
        "matched_starts_at": freed.starts_at, "matched_clinician_id": freed.clinician_id,
    }  # fmt: skip
    update_audited(ctx, entry, changes, action="waitlist.match", patient_id=entry.patient_id)
    make_offer(ctx, entry=entry, kind=kind, location=location, spot=spot)
    return entry


def _next_entry(ctx: Context, freed: FreedSlot, location: Location) -> WaitlistEntry | None:
    day = local_day(freed.starts_at, location.timezone)
    offered_before = exists().where(
        WaitlistOffer.entry_id == WaitlistEntry.id,
        WaitlistOffer.starts_at == freed.starts_at,
        WaitlistOffer.clinician_id == freed.clinician_id,
    )
    return ctx.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.appointment_type_id == freed.appointment_type_id,
            WaitlistEntry.location_id == freed.location_id,
            or_(
                WaitlistEntry.clinician_id.is_(None),
                WaitlistEntry.clinician_id == freed.clinician_id,
            ),
            WaitlistEntry.earliest <= day,
            WaitlistEntry.latest >= day,
            WaitlistEntry.patient_id != freed.patient_id,
            ~offered_before,
        ).order_by(WaitlistEntry.created_at, WaitlistEntry.id).limit(1)
    ).first()  # fmt: skip


def _free_spot(
    ctx: Context, freed: FreedSlot, kind: AppointmentType, location: Location
) -> occupancy.Placement | None:
    """Where the slot can be held, checked as the clinic would book it (no online minimum
    notice), even when a patient's own cancellation freed it: the clinic makes the offer."""
    as_clinic = ctx.acting_as(Actor.system("waitlist"))
    try:
        return place(
            as_clinic, kind=kind, location=location, starts_at=freed.starts_at,
            clinician_id=freed.clinician_id, room_id=None,
        )  # fmt: skip
    except DomainError:
        return None


def decide(ctx: Context, offer: WaitlistOffer, status: OfferStatus, **extra: object) -> None:
    """Record the offer's outcome; its hold goes (the slot is booked or offered on)."""
    release_hold(ctx, offer)
    changes = {"status": status, "decided_at": ctx.now, **extra}
    update_audited(
        ctx, offer, changes, action=f"waitlist.offer_{status.value}", patient_id=offer.patient_id
    )


def pass_on(ctx: Context, offer: WaitlistOffer) -> WaitlistEntry | None:
    """Offer a decided offer's slot to the next fitting entry, if the slot is still free."""
    kind = ctx.get(AppointmentType, offer.appointment_type_id, "appointment type")
    location = ctx.get(Location, offer.location_id, "location")
    freed = FreedSlot(
        offer.appointment_type_id, offer.location_id, offer.clinician_id, offer.patient_id,
        offer.starts_at,
    )  # fmt: skip
    return match_freed(ctx, freed=freed, kind=kind, location=location)
