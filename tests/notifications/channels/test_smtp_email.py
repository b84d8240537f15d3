"""Our SMTP channel sending real mail to an aiosmtpd server on loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from core.clock import FrozenClock
from notifications.channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
)
from notifications.channels.smtp_email import SmtpEmail
from notifications.invites import InviteDetails, InviteMethod, build_invite
from notifications.render import Audience, NoticeTemplate, render
from tests.fakes.fixtures import Certificate
from tests.fakes.smtp import FakeSmtp
from tests.notifications.test_invites import DETAILS
from tests.notifications.test_render import PLAUSIBLE

SENDER = "Riverside Appointments <appointments@riverside.example>"
PATIENT = "ann@example.com"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _channel(server: FakeSmtp, **options: object) -> SmtpEmail:
    settings: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "sender": SENDER,
        "starttls": False,
        "clock": FrozenClock(NOW),
        "timeout": 5.0,
    } | options
    return SmtpEmail(**settings)  # type: ignore[arg-type]


def _message(
    method: InviteMethod = InviteMethod.REQUEST, details: InviteDetails = DETAILS
) -> OutgoingMessage:
    rendered = render(NoticeTemplate.REMINDER_72H, Audience.PATIENT, ChannelKind.EMAIL, PLAUSIBLE)
    return OutgoingMessage(
        channel=ChannelKind.EMAIL,
        to=PATIENT,
        text=rendered.text,
        idempotency_key="appt:7f1c:reminder_72h:0",
        subject=rendered.subject,
        html=rendered.html,
        invite=build_invite(details, method),
    )


def _parts(mail: EmailMessage) -> dict[str, EmailMessage]:
    return {part.get_content_type(): part for part in mail.walk() if not part.is_multipart()}


def test_a_reminder_arrives_as_text_html_and_an_invite(fake_smtp: FakeSmtp) -> None:
    sent = _channel(fake_smtp).send(_message())
    [mail] = fake_smtp.received
    message = mail.message
    assert mail.rcpt_tos == (PATIENT,)
    assert message["Message-ID"] == sent.provider_id
    assert message["From"] == SENDER
    assert message["Subject"] == _message().subject
    assert message["Date"] == "Thu, 26 Nov 2026 15:00:00 +0000"
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(part for part in message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    parts = _parts(message)
    assert "No solid food after 3:00 AM" in parts["text/plain"].get_content()
    assert "<a href=" in parts["text/html"].get_content()
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    attachment = parts["application/ics"]
    assert attachment.get_filename() == "invite.ics"
    event = Calendar.from_ical(attachment.get_content()).events[0]
    calendar = Calendar.from_ical(parts["text/calendar"].get_content())
    assert calendar["METHOD"] == "REQUEST"
    assert calendar.events[0]["UID"] == event["UID"] == DETAILS.uid
    assert str(event["SUMMARY"]) == "Appointment at Wellness NYC"
    assert str(event["ATTENDEE"]) == f"mailto:{PATIENT}"


def test_a_cancel_keeps_the_uid_and_raises_the_sequence(fake_smtp: FakeSmtp) -> None:
    channel = _channel(fake_smtp)
    channel.send(_message())
    channel.send(_message(InviteMethod.CANCEL, replace(DETAILS, sequence=1)))
    request, cancel = (
        Calendar.from_ical(_parts(m.message)["text/calendar"].get_content())
        for m in fake_smtp.received
    )
    assert cancel["METHOD"] == "CANCEL"
    assert cancel.events[0]["UID"] == request.events[0]["UID"]
    assert cancel.events[0].sequence > request.events[0].sequence
    assert _parts(fake_smtp.received[1].message)["application/ics"].get_filename() == "cancel.ics"


def test_a_retry_of_one_notice_carries_the_same_message_id(fake_smtp: FakeSmtp) -> None:
    channel = _channel(fake_smtp)
    first, again = channel.send(_message()), channel.send(_message())
    assert first.provider_id == again.provider_id
    assert str(first.provider_id).endswith("@riverside.example>")
    assert "7f1c" not in str(first.provider_id)  # the key's record ids stay out


def test_a_refused_recipient_is_permanent_and_a_busy_one_transient(fake_smtp: FakeSmtp) -> None:
    fake_smtp.reject(PATIENT, "550 5.1.1 No such user")
    with pytest.raises(PermanentFailure) as permanent:
        _channel(fake_smtp).send(_message())
    assert permanent.value.code == "smtp_550"
    fake_smtp.reject(PATIENT, "451 4.3.0 Try again later")
    with pytest.raises(TransientFailure) as transient:
        _channel(fake_smtp).send(_message())
    assert transient.value.code == "smtp_451"
    assert PATIENT not in str(transient.value)
    assert fake_smtp.received == []


def test_a_server_that_is_down_is_transient() -> None:
    never_started = FakeSmtp()  # a free port nobody listens on
    with pytest.raises(TransientFailure) as caught:
        _channel(never_started).send(_message())
    assert caught.value.code == "smtp_unreachable"


def test_login_when_configured(fake_smtp: FakeSmtp) -> None:
    fake_smtp.require_login("clinic", "s3cret")
    _channel(fake_smtp, username="clinic", password="s3cret").send(_message())
    assert [mail.login for mail in fake_smtp.received] == ["clinic"]
    with pytest.raises(TransientFailure) as caught:
        _channel(fake_smtp, username="clinic", password="wrong").send(_message())
    assert caught.value.code == "smtp_535"


def test_starttls_protects_the_session(
    tls_smtp: FakeSmtp, loopback_certificate: Certificate
) -> None:
    channel = _channel(tls_smtp, starttls=True, ssl_context=loopback_certificate.client_context())
    channel.send(_message())
    assert [mail.tls for mail in tls_smtp.received] == [True]


def test_starttls_asked_of_a_server_without_it_sends_nothing(fake_smtp: FakeSmtp) -> None:
    with pytest.raises(TransientFailure) as caught:
        _channel(fake_smtp, starttls=True).send(_message())
    assert caught.value.code == "smtp_no_starttls"
    assert fake_smtp.received == []


def test_a_subject_that_names_a_drug_is_never_sent(fake_smtp: FakeSmtp) -> None:
    leaky = replace(_message(), subject="Your ketamine session")
    with pytest.raises(PermanentFailure) as caught:
        _channel(fake_smtp).send(leaky)
    assert caught.value.code == "privacy_blocked"
    assert fake_smtp.received == []


def test_a_sender_name_that_names_a_drug_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="sender"):
        SmtpEmail(host="127.0.0.1", sender="Spravato Clinic <a@clinic.example>")
