"""The dispatcher's side of waitlist offers: the send-time re-check of an offer's message,
and the pass that expires offers whose time is up and offers their slot to the next entry.

Expiring runs at the start of every dispatch pass, in its own short write transaction, so
the next patient's offer is planned before the pass claims due notices and goes out in it.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from booking.models import ContactRestriction, OfferStatus, Patient, WaitlistOffer
from booking.services import offers
from booking.services.context import Actor, Context
from core.clock import Clock
from core.db import Database
from core.settings import Settings
from notifications.channels.base import ChannelKind
from scheduler.dispatch import Check
from scheduler.outbox import Due

log = logging.getLogger("clinic.scheduler")


def recipient(session: Session, notice: Due) -> Check | str:
    """Where the offer may still go, or why it may not: the offer decided (or its entry
    withdrawn), or the patient's consent for that channel gone since it was planned."""
    offer = session.get(WaitlistOffer, uuid.UUID(str(notice.context.get("offer_id"))))
    if offer is None or offer.status is not OfferStatus.OFFERED:
        return Check(ok=False, reason="stale")
    patient = session.get(Patient, offer.patient_id)
    if patient is None:
        return Check(ok=False, reason="patient_gone")
    restriction = patient.contact_restriction
    if notice.channel is ChannelKind.SMS:
        allowed = (
            patient.sms_consent_at is not None and restriction != ContactRestriction.EMAIL_ONLY
        )
        to = patient.phone
    else:
        allowed = (
            patient.email_consent_at is not None and restriction != ContactRestriction.SMS_ONLY
        )
        to = patient.email
    if not allowed or not to or to != notice.recipient:
        return Check(ok=False, reason="no_consent")
    return to


def expire_offers(database: Database, clock: Clock, settings: Settings) -> int:
    """Expire what is due and pass each slot on; a failure is logged, never stops dispatch."""
    try:
        with database.session() as session:
            ctx = Context(
                session=session, actor=Actor.system("waitlist"), now=clock.now(),
                settings=settings,
            )  # fmt: skip
            return offers.expire_due(ctx)
    except Exception:  # the notices must still go out; the next pass tries again
        log.exception("expiring waitlist offers failed")
        return 0
