"""Twilio's delivery reports: the notice moves forward, and a report that the number opted
out (error 21610) records the opt-out like a STOP."""

from __future__ import annotations

from booking.services import sms_consent
from booking.services.context import Context
from core.errors import Invalid
from notifications.channels.base import ChannelKind
from notifications.channels.twilio_sms import OPTED_OUT
from scheduler.delivery import record_delivery


def report(
    ctx: Context, *, message_sid: str, status: str, error_code: str | None
) -> None:  # fmt: skip
    if not message_sid or not status:
        raise Invalid("validation_error", "MessageSid and MessageStatus are required", errors=[])
    notice = record_delivery(
        ctx.session, provider_id=message_sid, reported=status, error_code=error_code,
        now=ctx.now,
    )  # fmt: skip
    opted_out = error_code == str(OPTED_OUT)
    if notice is not None and opted_out and notice.channel is ChannelKind.SMS and notice.recipient:
        sms_consent.opt_out(ctx, phone=notice.recipient)
