from __future__ import annotations

import logging

import pytest

from core.settings import Settings
from notifications.channels import channels_from_settings, twilio_status_callback
from notifications.channels.base import ChannelKind, OutgoingMessage
from notifications.channels.console import ConsoleChannel
from notifications.channels.smtp_email import SmtpEmail
from notifications.channels.twilio_sms import TwilioSms
from tests.fakes.twilio import FakeTwilio

TEXT = "Riverside: your visit is tomorrow at 9:00 AM"


def test_the_console_records_without_logging_who_or_what(caplog: pytest.LogCaptureFixture) -> None:
    channel = ConsoleChannel(ChannelKind.SMS, keep=2)
    caplog.set_level(logging.DEBUG)
    sent = [
        channel.send(OutgoingMessage(ChannelKind.SMS, "+12125550142", TEXT, f"k{i}"))
        for i in range(3)
    ]
    assert [s.provider_id for s in sent] == ["console-sms-1", "console-sms-2", "console-sms-3"]
    assert [pid for pid, _ in channel.recent()] == ["console-sms-2", "console-sms-3"]
    assert "console-sms-3" in caplog.text
    assert "+12125550142" not in caplog.text
    assert "Riverside" not in caplog.text


def test_nothing_configured_means_the_console_for_both() -> None:
    channels = channels_from_settings(Settings(secret_key="k"))
    assert isinstance(channels[ChannelKind.SMS], ConsoleChannel)
    assert isinstance(channels[ChannelKind.EMAIL], ConsoleChannel)


def test_twilio_and_smtp_are_chosen_each_when_configured(fake_twilio: FakeTwilio) -> None:
    settings = Settings(
        secret_key="k",
        public_url="https://clinic.example/",
        twilio_account_sid=fake_twilio.account_sid,
        twilio_auth_token=fake_twilio.auth_token,
        twilio_from="+15005550006",
        twilio_api_base=fake_twilio.base_url,
    )
    channels = channels_from_settings(settings)
    assert isinstance(channels[ChannelKind.SMS], TwilioSms)
    assert isinstance(channels[ChannelKind.EMAIL], ConsoleChannel)
    channels[ChannelKind.SMS].send(OutgoingMessage(ChannelKind.SMS, "+12125550142", TEXT, "k"))
    [received] = fake_twilio.messages  # CLINIC_TWILIO_API_BASE took the SDK there
    assert received.status_callback == "https://clinic.example/webhooks/twilio/status"
    assert twilio_status_callback(settings) == received.status_callback
    with_smtp = channels_from_settings(Settings(secret_key="k", smtp_host="127.0.0.1"))
    assert isinstance(with_smtp[ChannelKind.EMAIL], SmtpEmail)
    assert isinstance(with_smtp[ChannelKind.SMS], ConsoleChannel)


def test_twilio_without_a_sender_stays_on_the_console() -> None:
    settings = Settings(secret_key="k", twilio_account_sid="AC1", twilio_auth_token="t")
    assert isinstance(channels_from_settings(settings)[ChannelKind.SMS], ConsoleChannel)
