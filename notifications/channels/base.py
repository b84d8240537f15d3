"""What every channel (Twilio SMS, SMTP email, the console) promises the dispatcher.

A channel sends one rendered message and says how it went: a result, a transient failure
(try again later: timeouts, 5xx, Twilio 20429) or a permanent one (never retry: 21610
unsubscribed, 21211 invalid number, SMTP 5xx). Channels are called from sync code, outside
any database transaction; the dispatcher records the outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class ChannelKind(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True)
class Invite:
    """A calendar invite attached to an email (``METHOD:REQUEST`` or ``METHOD:CANCEL``)."""

    ics: bytes
    method: str


@dataclass(frozen=True)
class OutgoingMessage:
    channel: ChannelKind
    to: str  # E.164 phone for SMS, an address for email
    text: str
    idempotency_key: str  # the notice's key: a provider that dedupes may use it
    subject: str | None = None  # email only; never a patient's name or a treatment word
    html: str | None = None  # email only
    invite: Invite | None = None  # email only


@dataclass(frozen=True)
class Sent:
    provider_id: str | None  # Twilio's MessageSid, the email's Message-ID, a console id


class ChannelFailure(Exception):
    """A send that did not happen. ``code`` is the provider's (``21610``, ``smtp_550``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TransientFailure(ChannelFailure):
    """Worth retrying later; ``retry_after`` seconds when the provider said so."""

    def __init__(self, code: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class PermanentFailure(ChannelFailure):
    """Never retry this message on this channel. ``opted_out`` marks the number or address
    as unsubscribed (Twilio 21610), which the consent registry must record."""

    def __init__(self, code: str, message: str, *, opted_out: bool = False) -> None:
        super().__init__(code, message)
        self.opted_out = opted_out


class Channel(Protocol):
    kind: ChannelKind

    def send(self, message: OutgoingMessage) -> Sent:
        """Send it or raise :class:`TransientFailure` / :class:`PermanentFailure`."""
        ...
