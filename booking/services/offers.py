"""A waitlist offer as its patient sees it through the secret link: what is offered and until
when, take it (books the appointment on the held slot) or let it go (the next entry is
offered it). Expired offers pass the slot on from the dispatcher's pass.

Taking is first come, first served and atomic: the offer row is locked (``FOR UPDATE`` on
PostgreSQL; SQLite's one writer), so of two accepts one books and the other sees it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from booking.gates import check_gates
from booking.models import (
    AppointmentType,
    Clinician,
    Location,
    OfferStatus,
    Patient,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from booking.schemas.appointments import EscortIn
from booking.services import occupancy, waitlist
from booking.services.appointments import Booked, create_appointment
from booking.services.audit import update_audited
from booking.services.context import Actor, Context
from booking.services.manage_view import display_name
from booking.services.offer_slots import release_hold
from booking.services.placement import check_held
from core.errors import Conflict, DomainError, NotFound
from core.tokens import hash_token

EXPIRE_BATCH = 50


@dataclass(frozen=True)
class OfferView:
    status: str  # offered | accepted | declined | expired
    starts_at: datetime
    expires_at: datetime
    timezone: str
    visit_name: str
    location_name: str
    location_address: str
    # For the offer page; the API's OfferOut leaves them out.
    clinician: str = ""
    location_phone: str = ""
    needs_escort: bool = False


def _find(ctx: Context, token: str, *, lock: bool) -> WaitlistOffer:
    """The offer whose link this is, else 404 (any token, malformed or not, is hashed and
    looked up the same way)."""
    query = select(WaitlistOffer).where(WaitlistOffer.token_hash == hash_token(token))
    offer = ctx.session.scalar(query.with_for_update() if lock else query)
    if offer is None:
        raise NotFound("offer")
    return offer


def _status(ctx: Context, offer: WaitlistOffer) -> OfferStatus:
    """Expired as soon as its time is up, before the dispatcher's pass records it."""
    if offer.status is OfferStatus.OFFERED and offer.expires_at <= ctx.now:
        return OfferStatus.EXPIRED
    return offer.status


def view(ctx: Context, *, token: str) -> OfferView:
    offer = _find(ctx, token, lock=False)
    kind = ctx.get(AppointmentType, offer.appointment_type_id, "appointment type")
    location = ctx.get(Location, offer.location_id, "location")
    clinician = ctx.get(Clinician, offer.clinician_id, "clinician")
    return OfferView(
        status=_status(ctx, offer).value, starts_at=offer.starts_at,
        expires_at=offer.expires_at, timezone=location.timezone, visit_name=kind.public_name,
        location_name=location.name, location_address=location.address,
        clinician=display_name(clinician), location_phone=location.phone or "",
        needs_escort=kind.requires_escort,
    )  # fmt: skip


def _live(ctx: Context, offer: WaitlistOffer) -> WaitlistEntry:
    """The offer's entry, if the offer can still be decided; else why not."""
    status = _status(ctx, offer)
    if status is OfferStatus.EXPIRED:
        raise DomainError("offer_expired", "this offer has ended; the time went to others", 410)
    if status is not OfferStatus.OFFERED:
        raise Conflict("offer_taken", f"this offer was already {status.value}")
    entry = ctx.get(WaitlistEntry, offer.entry_id, "waitlist entry")
    if entry.status is not WaitlistStatus.MATCHED:
        raise Conflict("offer_taken", "you are no longer on the waiting list for this visit")
    return entry


def accept(ctx: Context, *, token: str, escort: EscortIn | None) -> Booked:
    """Book the held slot for the offer's patient (gates as for any online booking)."""
    offer = _find(ctx, token, lock=True)
    entry = _live(ctx, offer)
    kind = ctx.get(AppointmentType, offer.appointment_type_id, "appointment type")
    location = ctx.get(Location, offer.location_id, "location")
    patient = ctx.get(Patient, offer.patient_id, "patient")
    check_gates(kind, patient, escort=escort, override_reason=None, staff=False)
    spot = occupancy.Placement(offer.starts_at, offer.clinician_id, offer.room_id)
    release_hold(ctx, offer)  # the booking claims the slot afresh, in this transaction
    # Hours, time off or a closure changed since the offer still refuse it; the online
    # minimum notice does not: the clinic offered this time.
    check_held(ctx.acting_as(Actor.system("waitlist")), kind=kind, location=location, spot=spot)
    as_patient = ctx.acting_as(Actor.patient(patient.id, "waitlist offer"))
    booked = create_appointment(
        as_patient, kind=kind, location=location, patient=patient, spot=spot, escort=escort,
        override_reason=None,
    )  # fmt: skip
    waitlist.decide(as_patient, offer, OfferStatus.ACCEPTED, appointment_id=booked.appointment.id)
    update_audited(
        as_patient, entry, {"status": WaitlistStatus.BOOKED}, action="waitlist.book",
        patient_id=patient.id,
    )  # fmt: skip
    return booked


def decline(ctx: Context, *, token: str) -> OfferView:
    """Let the slot go: the patient keeps their place for another time; the next entry is
    offered this one."""
    offer = _find(ctx, token, lock=True)
    entry = _live(ctx, offer)
    as_patient = ctx.acting_as(Actor.patient(offer.patient_id, "waitlist offer"))
    waitlist.decide(as_patient, offer, OfferStatus.DECLINED)
    _back_to_waiting(as_patient, entry)
    waitlist.pass_on(ctx, offer)
    return view(ctx, token=token)


def expire_due(ctx: Context) -> int:
    """Offers whose time is up: recorded expired, and their slot offered to the next entry.
    Rows another worker is expiring are skipped (SKIP LOCKED), so each passes on once."""
    due = ctx.session.scalars(
        select(WaitlistOffer)
        .where(WaitlistOffer.status == OfferStatus.OFFERED, WaitlistOffer.expires_at <= ctx.now)
        .order_by(WaitlistOffer.expires_at)
        .limit(EXPIRE_BATCH)
        .with_for_update(skip_locked=True)
    )
    expired = list(due)
    for offer in expired:
        waitlist.decide(ctx, offer, OfferStatus.EXPIRED)
        entry = ctx.session.get(WaitlistEntry, offer.entry_id)
        if entry is not None and entry.status is WaitlistStatus.MATCHED:
            _back_to_waiting(ctx, entry)
        waitlist.pass_on(ctx, offer)
    return len(expired)


def _back_to_waiting(ctx: Context, entry: WaitlistEntry) -> None:
    changes = {"status": WaitlistStatus.WAITING}
    update_audited(ctx, entry, changes, action="waitlist.requeue", patient_id=entry.patient_id)
