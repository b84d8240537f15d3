"""The patient's "add to calendar" file, from their manage link: the same invite their
emails carry (booking.notice_invites: the appointment's id at the sender's domain as UID,
its SEQUENCE, METHOD:CANCEL once cancelled, a title that names neither drug nor
treatment), so a calendar files the download and every later email as one event."""

from __future__ import annotations

from booking.feeds import ics
from booking.models import AppointmentStatus, Location, Patient
from booking.notice_invites import InviteSender
from booking.services import manage_links
from booking.services.context import Context
from core.settings import Settings
from notifications.invites import InviteDetails, InviteMethod, build_invite


def calendar_file(ctx: Context, *, token: str, settings: Settings) -> bytes:
    appointment = manage_links.find(ctx, token)
    location = ctx.get(Location, appointment.location_id, "location")
    patient = ctx.get(Patient, appointment.patient_id, "patient")
    sender = InviteSender.of(settings.name, settings.email_from, settings.public_url)
    organizer = sender.organizer or f"appointments@{sender.domain}"
    details = InviteDetails(
        uid=f"{appointment.id}@{sender.domain}", sequence=appointment.sequence,
        starts_at=appointment.starts_at, ends_at=appointment.ends_at, zone=location.timezone,
        stamp=appointment.updated_at, clinic_name=settings.name, organizer_email=organizer,
        attendee_email=patient.email or organizer,
        location=", ".join(part for part in (location.name, location.address) if part),
        manage_url=manage_links.url(settings.public_url, token),
    )  # fmt: skip
    cancelled = appointment.status is AppointmentStatus.CANCELLED
    method = InviteMethod.CANCEL if cancelled else InviteMethod.REQUEST
    # The invite's VTIMEZONE lists the zone's changes in one RDATE, of which ical.js reads
    # only the first value. The invite's rules start the year before the visit, so that
    # first value is the one that counts today; one value a line holds whatever the range.
    return ics.one_rdate_a_line(build_invite(details, method).ics.decode()).encode()
