"""Email over SMTP (smtplib): text and HTML alternatives, the invite as text/calendar and
as an .ics attachment, STARTTLS and login when configured.

4xx replies and connection trouble are transient; 5xx replies are permanent for the message.
A login the server refuses is our configuration, not the message: transient, so mail waits
for the fix rather than falling back. The Message-ID follows the notice's idempotency key,
so a retry of one notice carries the same Message-ID.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from core.clock import Clock, SystemClock
from notifications.channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from notifications.privacy import forbidden_terms_in


class SmtpEmail:
    kind = ChannelKind.EMAIL

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        port: int = 587,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
    ) -> None:
        name, address = parseaddr(sender)
        if "@" not in address:
            raise ValueError("the sender needs an email address")
        if forbidden_terms_in(name):
            raise ValueError("the sender's name must not name a drug, treatment or diagnosis")
        self._host, self._port, self._timeout = host, port, timeout
        self._sender, self._domain = sender, address.rsplit("@", 1)[1]
        self._login = (username, password or "") if username else None
        self._starttls = starttls
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._clock = clock or SystemClock()

    def send(self, message: OutgoingMessage) -> Sent:
        if forbidden_terms_in(message.subject or ""):
            raise PermanentFailure("privacy_blocked", "the subject names a forbidden word")
        mail = self.compose(message)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                self._open(smtp)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise failure_for(min(codes, default=550)) from None
        except smtplib.SMTPAuthenticationError as error:
            raise TransientFailure(f"smtp_{error.smtp_code}", "SMTP login refused") from None
        except smtplib.SMTPResponseException as error:
            raise failure_for(error.smtp_code) from None
        except smtplib.SMTPNotSupportedError:
            raise TransientFailure("smtp_no_starttls", "the server offers no STARTTLS") from None
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timed out
            raise TransientFailure("smtp_unreachable", type(error).__name__) from None
        return Sent(provider_id=str(mail["Message-ID"]))

    def _open(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self._starttls:
            smtp.starttls(context=self._ssl_context)  # never falls back to clear text
            smtp.ehlo()
        if self._login:
            smtp.login(*self._login)

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.to
        mail["Subject"] = message.subject or ""
        mail["Date"] = format_datetime(self._clock.now())
        mail["Message-ID"] = message_id(message.idempotency_key, self._domain)
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        if message.invite:
            method = message.invite.method
            ics = message.invite.ics.decode()
            mail.add_alternative(ics, subtype="calendar", params={"method": method})
            name = "cancel.ics" if method == "CANCEL" else "invite.ics"
            mail.add_attachment(
                message.invite.ics,
                maintype="application",
                subtype="ics",
                filename=name,
                params={"method": method},
            )
        return mail


def message_id(idempotency_key: str, domain: str) -> str:
    """A Message-ID that names the notice by a hash (its key holds record ids)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def failure_for(code: int) -> TransientFailure | PermanentFailure:
    name = f"smtp_{code}"
    if 400 <= code < 500:
        return TransientFailure(name, f"SMTP answered {code}")
    return PermanentFailure(name, f"SMTP answered {code}")
