"""An SMTP server on loopback (aiosmtpd) that keeps what it receives, parsed.

``reject(address, "550 5.1.1 No such user")`` answers RCPT for that address with the given
reply; ``require_login(user, password)`` turns on AUTH; ``tls_context`` offers STARTTLS.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    tls: bool  # the message came over a STARTTLS-protected session
    login: str | None


class _Handler:
    def __init__(self, server: FakeSmtp) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.server.rejections.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        login = (
            session.login_data.decode() if session.authenticated and session.login_data else None
        )
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=parsed,
            raw=raw,
            tls=session.ssl is not None,
            login=login,
        )
        with self.server.lock:
            self.server.received.append(mail)
        return "250 Message accepted"


class FakeSmtp:
    def __init__(self, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.received: list[ReceivedMail] = []
        self.rejections: dict[str, str] = {}
        self.lock = threading.Lock()
        self._credentials: tuple[str, str] | None = None
        self.port = _free_port()
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls_context,
            require_starttls=False,
            auth_require_tls=False,
            authenticator=self._authenticate,
            auth_required=False,
        )

    host = "127.0.0.1"

    def start(self) -> FakeSmtp:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def reject(self, address: str, reply: str) -> None:
        self.rejections[address.lower()] = reply

    def require_login(self, user: str, password: str) -> None:
        self._credentials = (user, password)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self._credentials is not None
            and (data.login.decode(), data.password.decode()) == self._credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=data)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(*, tls_context: ssl.SSLContext | None = None) -> Iterator[FakeSmtp]:
    server = FakeSmtp(tls_context=tls_context).start()
    try:
        yield server
    finally:
        server.stop()
