"""The real twilio SDK, through our channel, against a Twilio-compatible server on loopback."""

from __future__ import annotations

import logging

import pytest

from notifications.channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
)
from notifications.channels.twilio_sms import TwilioSms
from tests.fakes import twilio
from tests.fakes.twilio import FakeTwilio

PATIENT = "+12125550142"
FROM = "+15005550006"
CALLBACK = "https://clinic.example/webhooks/twilio/status"


def _channel(fake: FakeTwilio, **options: object) -> TwilioSms:
    settings: dict[str, object] = {
        "account_sid": fake.account_sid,
        "auth_token": fake.auth_token,
        "from_number": FROM,
        "status_callback": CALLBACK,
        "api_base": fake.base_url,
    } | options
    return TwilioSms(**settings)  # type: ignore[arg-type]


def _message(to: str = PATIENT) -> OutgoingMessage:
    return OutgoingMessage(ChannelKind.SMS, to, "Riverside: see you tomorrow.", "appt:1:r24:0")


def test_a_message_reaches_the_configured_endpoint_through_the_sdk(fake_twilio: FakeTwilio) -> None:
    sent = _channel(fake_twilio).send(_message())
    [received] = fake_twilio.messages
    assert sent.provider_id == received.sid
    assert received.sid.startswith("SM")
    assert received.account_sid == fake_twilio.account_sid
    assert (received.to, received.from_, received.body) == (PATIENT, FROM, _message().text)
    assert received.status_callback == CALLBACK
    assert received.messaging_service_sid is None


def test_a_messaging_service_sends_instead_of_a_number(fake_twilio: FakeTwilio) -> None:
    service = "MG" + "1" * 32
    _channel(fake_twilio, from_number=None, messaging_service_sid=service).send(_message())
    [received] = fake_twilio.messages
    assert received.messaging_service_sid == service
    assert received.from_ is None


def test_an_unsubscribed_number_is_permanent_and_marks_the_opt_out(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail(PATIENT, twilio.OPTED_OUT)
    with pytest.raises(PermanentFailure) as caught:
        _channel(fake_twilio).send(_message())
    assert caught.value.code == "21610"
    assert caught.value.opted_out
    assert PATIENT not in str(caught.value)  # the number stays out of what gets logged
    assert fake_twilio.attempts == 1  # the SDK did not retry on its own


@pytest.mark.parametrize("failure", [twilio.INVALID_NUMBER, twilio.NOT_MOBILE])
def test_a_number_twilio_cannot_text_is_permanent(
    fake_twilio: FakeTwilio, failure: twilio.Failure
) -> None:
    fake_twilio.fail(PATIENT, failure)
    with pytest.raises(PermanentFailure) as caught:
        _channel(fake_twilio).send(_message())
    assert caught.value.code == str(failure.code)
    assert not caught.value.opted_out


def test_a_rate_limit_is_transient_with_twilios_retry_after(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(1, twilio.TOO_MANY_REQUESTS)
    channel = _channel(fake_twilio)
    with pytest.raises(TransientFailure) as caught:
        channel.send(_message())
    assert caught.value.code == "20429"
    assert caught.value.retry_after == 7.0
    channel.send(_message())  # the next try goes through
    assert len(fake_twilio.messages) == 1


def test_a_server_error_is_transient_without_a_delay(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(1, twilio.UNAVAILABLE)
    with pytest.raises(TransientFailure) as caught:
        _channel(fake_twilio).send(_message())
    assert caught.value.code == "20500"
    assert caught.value.retry_after is None


def test_a_slow_endpoint_times_out_as_transient(fake_twilio: FakeTwilio) -> None:
    fake_twilio.delay(1.0)
    with pytest.raises(TransientFailure) as caught:
        _channel(fake_twilio, timeout=0.2).send(_message())
    assert caught.value.code == "twilio_unreachable"


def test_an_endpoint_that_is_down_is_transient() -> None:
    fake = FakeTwilio()  # bound, never served: then closed, so the port refuses
    fake.stop_unstarted()
    with pytest.raises(TransientFailure) as caught:
        _channel(fake).send(_message())
    assert caught.value.code == "twilio_unreachable"


def test_wrong_credentials_are_transient_so_nothing_falls_back(fake_twilio: FakeTwilio) -> None:
    with pytest.raises(TransientFailure) as caught:
        _channel(fake_twilio, auth_token="wrong").send(_message())
    assert caught.value.code == "20003"
    assert fake_twilio.messages == []


def test_a_sender_is_required() -> None:
    with pytest.raises(ValueError, match="from-number or a Messaging Service"):
        TwilioSms(account_sid="AC1", auth_token="t")


def test_a_text_that_names_a_drug_is_never_sent(fake_twilio: FakeTwilio) -> None:
    leaky = OutgoingMessage(ChannelKind.SMS, PATIENT, "Your ketamine session is tomorrow", "k")
    with pytest.raises(PermanentFailure) as caught:
        _channel(fake_twilio).send(leaky)
    assert caught.value.code == "privacy_blocked"
    assert fake_twilio.attempts == 0


def test_the_sdks_request_log_is_still_written_when_asked_for(
    fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    # Skipped while INFO is off (it is formatted eagerly); written, as ever, when it is on.
    with caplog.at_level(logging.INFO, logger="twilio.http_client"):
        _channel(fake_twilio).send(_message())
    logged = [record.getMessage() for record in caplog.records]
    assert "-- BEGIN Twilio API Request --" in logged
    assert any(line.startswith("Response Status Code: 201") for line in logged)
    assert not any(PATIENT in line or "see you tomorrow" in line for line in logged)


def test_a_proxy_in_the_environment_is_read_once_and_used(
    fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read once when the channel is made (requests would re-read it on every message).
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = _channel(fake_twilio)
    monkeypatch.delenv("HTTP_PROXY")
    with pytest.raises(TransientFailure):  # nothing listens on port 9: the proxy was used
        proxied.send(_message())
    assert fake_twilio.messages == []
