"""The calendar invite a patient's notice email carries, from the notice's stored context:
the confirmation and the reschedule notice invite (``METHOD:REQUEST``), the cancellation
withdraws (``METHOD:CANCEL``). One UID per appointment (its id at the sender's domain), the
appointment's sequence as SEQUENCE, so a client files every version over the last one.

A series' one confirmation carries one event per session still booked (the send-time
re-check reads them: ``invite_sessions``), each with its own UID and SEQUENCE, so a later
change or cancel of one session updates that event alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

from notifications.channels.base import ChannelKind, Invite
from notifications.invites import InviteDetails, InviteMethod, build_invite
from scheduler.rules import Audience, NoticeKind

METHODS = {
    NoticeKind.CONFIRMATION: InviteMethod.REQUEST,
    NoticeKind.CANCELLATION: InviteMethod.CANCEL,
}


@dataclass(frozen=True)
class InviteSender:
    clinic_name: str
    organizer: str  # the sender's address (the invite's ORGANIZER)
    manage_base: str  # the public URL the manage path hangs from

    @classmethod
    def of(cls, clinic_name: str, email_from: str, public_url: str) -> InviteSender:
        return cls(clinic_name, parseaddr(email_from)[1], public_url.rstrip("/"))

    @property
    def domain(self) -> str:
        return self.organizer.rsplit("@", 1)[-1] or "clinic.invalid"


def invite_for(
    sender: InviteSender, kind: NoticeKind, audience: Audience, channel: ChannelKind,
    context: Mapping[str, Any],
) -> Invite | None:  # fmt: skip
    """The invite for this notice, or None (not an email to the patient about a booking,
    or a notice planned before invites were, which lacks the appointment's id)."""
    method = METHODS.get(kind)
    attendee = context.get("recipient")
    if method is None or audience is not Audience.PATIENT or channel is not ChannelKind.EMAIL:
        return None
    if not attendee or not context.get("appointment_id") or "@" not in sender.organizer:
        return None
    sessions = context.get("invite_sessions") or [context]
    events = [_details(sender, context, session, str(attendee)) for session in sessions]
    return build_invite(events[0], method, *events[1:])


def _details(
    sender: InviteSender, context: Mapping[str, Any], session: Mapping[str, Any], attendee: str
) -> InviteDetails:
    stamp = context.get("planned_at")
    path = context.get("manage_path")
    place = [str(context.get(name) or "") for name in ("location_name", "location_address")]
    return InviteDetails(
        uid=f"{session['appointment_id']}@{sender.domain}",
        sequence=int(session.get("sequence") or 0),
        starts_at=datetime.fromisoformat(str(session["starts_at"])),
        ends_at=datetime.fromisoformat(str(session["ends_at"])),
        zone=str(context.get("location_zone") or context["zone"]),
        stamp=datetime.fromisoformat(str(stamp)) if stamp else datetime.now(UTC),
        clinic_name=sender.clinic_name,
        organizer_email=sender.organizer,
        attendee_email=attendee,
        location=", ".join(part for part in place if part),
        manage_url=f"{sender.manage_base}{path}" if path else None,
    )
