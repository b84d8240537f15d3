"""The channels a process sends through, chosen from its settings (per kind)."""

from __future__ import annotations

from core.settings import Settings
from notifications.channels.base import Channel, ChannelKind
from notifications.channels.console import ConsoleChannel
from notifications.channels.smtp_email import SmtpEmail
from notifications.channels.twilio_sms import TwilioSms

TWILIO_STATUS_PATH = "/webhooks/twilio/status"


def twilio_status_callback(settings: Settings) -> str:
    """Where Twilio reports delivery (sent, delivered, failed) for each message."""
    return settings.public_url.rstrip("/") + TWILIO_STATUS_PATH


def twilio_configured(settings: Settings) -> bool:
    sender = settings.twilio_from or settings.twilio_messaging_service_sid
    return bool(settings.twilio_account_sid and settings.twilio_auth_token and sender)


def channels_from_settings(settings: Settings) -> dict[ChannelKind, Channel]:
    """Twilio for SMS and SMTP for email when configured; the console for what is not."""
    sms: Channel = ConsoleChannel(ChannelKind.SMS)
    if twilio_configured(settings):
        sms = TwilioSms(
            account_sid=str(settings.twilio_account_sid),
            auth_token=str(settings.twilio_auth_token),
            from_number=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=twilio_status_callback(settings),
            api_base=settings.twilio_api_base,
        )
    email: Channel = ConsoleChannel(ChannelKind.EMAIL)
    if settings.smtp_host:
        email = SmtpEmail(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.email_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return {ChannelKind.SMS: sms, ChannelKind.EMAIL: email}
