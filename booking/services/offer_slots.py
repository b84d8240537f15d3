"""Offering a freed slot to one waiting patient: a hold on the slot, a secret link (only its
hash is stored) and the offer's message, planned by the scheduler from plain facts, all in
the caller's transaction.

The hold is the guarantee that one slot is never offered to two patients at once: its
occupancy row clashes with any other hold or booking of the slot (PostgreSQL's exclusion
constraint; SQLite's serialized check), so a second offer of the same slot cannot be written.
"""

from __future__ import annotations

import uuid

from booking.models import (
    AppointmentType,
    Hold,
    Location,
    OfferStatus,
    Patient,
    WaitlistEntry,
    WaitlistOffer,
)
from booking.notice_rules import quiet_hours
from booking.services import occupancy, sms_consent
from booking.services.audit import record_create
from booking.services.context import Context
from core.tokens import hash_token, new_token
from scheduler.facts import ContactRestriction, OfferFacts
from scheduler.offers import plan_offer

DEFAULT_WINDOW_MINUTES = 30


def offer_path(token: str) -> str:
    return f"/offers/{token}"


def make_offer(
    ctx: Context, *, entry: WaitlistEntry, kind: AppointmentType, location: Location,
    spot: occupancy.Placement,
) -> WaitlistOffer:  # fmt: skip
    """Hold ``spot`` for ``entry``'s patient and plan the message that offers it."""
    patient = ctx.get(Patient, entry.patient_id, "patient")
    token = new_token()
    offer = WaitlistOffer(
        id=uuid.uuid4(), entry_id=entry.id, patient_id=patient.id, appointment_type_id=kind.id,
        location_id=location.id, location=location, clinician_id=spot.clinician_id,
        room_id=spot.room_id, starts_at=spot.starts_at, token_hash=hash_token(token),
        status=OfferStatus.OFFERED, created_at=ctx.now,
    )  # fmt: skip
    planned = plan_offer(
        ctx.session, _facts(ctx, offer, patient, kind, location, token), now=ctx.now,
        hours=quiet_hours(ctx.settings),
    )  # fmt: skip
    offer.expires_at = planned.expires_at
    offer.channel = planned.channel.value if planned.channel else None
    ctx.session.add(offer)
    record_create(ctx, offer, action="waitlist.offer", patient_id=patient.id)
    if planned.channel is not None:  # else the desk calls, and books the slot itself
        _hold(ctx, offer, kind, location, spot)
    return offer


def _hold(
    ctx: Context, offer: WaitlistOffer, kind: AppointmentType, location: Location,
    spot: occupancy.Placement,
) -> None:  # fmt: skip
    hold = Hold(
        id=uuid.uuid4(), appointment_type_id=kind.id, location_id=location.id,
        location=location, clinician_id=spot.clinician_id, room_id=spot.room_id,
        starts_at=spot.starts_at, ends_at=occupancy.session_end(kind, spot.starts_at),
        expires_at=offer.expires_at, created_at=ctx.now, client_key=None,
    )  # fmt: skip
    ctx.session.add(hold)
    offer.hold_id = hold.id
    occupancy.claim(ctx, occupancy.rows_for(kind, spot, hold=(hold.id, hold.expires_at)))


def _facts(
    ctx: Context, offer: WaitlistOffer, patient: Patient, kind: AppointmentType,
    location: Location, token: str,
) -> OfferFacts:  # fmt: skip
    minutes = ctx.settings.waitlist_offer_minutes if ctx.settings else DEFAULT_WINDOW_MINUTES
    return OfferFacts(
        offer_id=offer.id, patient_id=patient.id, starts_at=offer.starts_at,
        zone=location.timezone, window_minutes=minutes, offer_path=offer_path(token),
        patient_name=patient.given_name, patient_phone=patient.phone,
        patient_email=patient.email, sms_consent=_takes_texts(ctx, patient),
        email_consent=patient.email_consent_at is not None,
        contact_restriction=ContactRestriction(patient.contact_restriction.value),
        patient_zone=patient.timezone, location_name=location.name,
        location_address=location.address, location_phone=location.phone or "",
        visit_name=kind.public_name,
    )  # fmt: skip


def _takes_texts(ctx: Context, patient: Patient) -> bool:
    """Consent given and the number not in the opt-out registry: checked now, not only when
    sending, because a text refused then would not fall back to email in time."""
    consented = patient.sms_consent_at is not None
    return consented and sms_consent.opted_out_since(ctx.session, patient.phone) is None


def release_hold(ctx: Context, offer: WaitlistOffer) -> None:
    """The offer is decided: its hold (and the hold's occupancy) goes."""
    if offer.hold_id is None:
        return
    hold = ctx.session.get(Hold, offer.hold_id)
    offer.hold_id = None
    ctx.session.flush()  # the offer lets go of the hold before the hold is deleted
    if hold is not None:
        ctx.session.delete(hold)
    ctx.session.flush()
