"""A Twilio-compatible Messages endpoint on loopback, for the real twilio SDK to talk to.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth answers 201 and records the
message, or the failure it was told to give for that number (``fail``) or for the next
requests whatever the number (``fail_next``): Twilio's own JSON error bodies and status codes.
Run it alone with ``python -m tests.fakes.twilio --port 8765`` (benchmarks, manual checks);
``GET /_fake/messages`` then lists what it received (another process cannot read ``messages``).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"


@dataclass(frozen=True)
class Failure:
    status: int
    code: int
    message: str = "failed"
    retry_after: str | None = None


OPTED_OUT = Failure(400, 21610, "Attempt to send to unsubscribed recipient")
INVALID_NUMBER = Failure(400, 21211, "Invalid 'To' Phone Number")
NOT_MOBILE = Failure(400, 21614, "'To' number is not a valid mobile number")
TOO_MANY_REQUESTS = Failure(429, 20429, "Too Many Requests", retry_after="7")
UNAVAILABLE = Failure(503, 20500, "Service unavailable")


@dataclass(frozen=True)
class ReceivedSms:
    sid: str
    account_sid: str
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None


_Answer = tuple[int, dict[str, object], str | None]  # status, JSON body, Retry-After


@dataclass
class _Script:
    by_number: dict[str, Failure] = field(default_factory=dict)
    next_failures: list[Failure] = field(default_factory=list)
    delay_seconds: float = 0.0


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[ReceivedSms] = []
        self.attempts = 0  # every POST, answered or failed
        self._script = _Script()
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        # A short poll: stop() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.02), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def stop_unstarted(self) -> None:
        """Close the socket of a fake never started: its address then refuses connections."""
        self._server.server_close()

    def fail(self, number: str, failure: Failure) -> None:
        """Every message to ``number`` gets ``failure`` until ``clear``."""
        with self._lock:
            self._script.by_number[number] = failure

    def fail_next(self, count: int, failure: Failure) -> None:
        """The next ``count`` requests, whatever their number, get ``failure``."""
        with self._lock:
            self._script.next_failures.extend([failure] * count)

    def delay(self, seconds: float) -> None:
        """Answer every request this late (a client's timeout then fires first)."""
        self._script.delay_seconds = seconds

    def clear(self) -> None:
        with self._lock:
            self._script = _Script()

    def to(self, number: str) -> list[ReceivedSms]:
        with self._lock:
            return [message for message in self.messages if message.to == number]

    def _receive(self, account_sid: str, form: dict[str, str]) -> _Answer:
        with self._lock:
            self.attempts += 1
            script = self._script
            failure = script.next_failures.pop(0) if script.next_failures else None
            failure = failure or script.by_number.get(form.get("To", ""))
            if failure:
                return failure.status, _error(failure), failure.retry_after
            sms = ReceivedSms(
                sid=f"SM{next(self._sids):032x}",
                account_sid=account_sid,
                to=form.get("To", ""),
                body=form.get("Body", ""),
                from_=form.get("From"),
                messaging_service_sid=form.get("MessagingServiceSid"),
                status_callback=form.get("StatusCallback"),
            )
            self.messages.append(sms)
        return 201, _resource(sms), None

    def recorded(self) -> dict[str, object]:
        """Every POST so far and the messages accepted, as ``GET /_fake/messages`` answers."""
        with self._lock:
            listed = [{"sid": m.sid, "to": m.to, "body": m.body} for m in self.messages]
            return {"attempts": self.attempts, "messages": listed}

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


def _error(failure: Failure) -> dict[str, object]:
    return {
        "code": failure.code,
        "message": failure.message,
        "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
        "status": failure.status,
    }


def _resource(sms: ReceivedSms) -> dict[str, object]:
    return {
        "sid": sms.sid,
        "account_sid": sms.account_sid,
        "to": sms.to,
        "from": sms.from_,
        "messaging_service_sid": sms.messaging_service_sid,
        "body": sms.body,
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{sms.account_sid}/Messages/{sms.sid}.json",
    }


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's pooled session expects
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK hold every answer back ~40 ms.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            parts = self.path.strip("/").split("/")
            wanted = len(parts) == 4 and parts[:2] == ["2010-04-01", "Accounts"]
            if not (wanted and parts[3] == "Messages.json"):
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if not self._authorised(parts[2]):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if fake._script.delay_seconds:
                time.sleep(fake._script.delay_seconds)
            form = {key: values[-1] for key, values in parse_qs(raw).items()}
            status, body, retry_after = fake._receive(parts[2], form)
            self._answer(status, body, retry_after=retry_after)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/_fake/messages":
                self._answer(200, fake.recorded())
                return
            self._answer(404, {"code": 20404, "message": "Not found", "status": 404})

        def _authorised(self, account_sid: str) -> bool:
            header = self.headers.get("Authorization")
            return account_sid == fake.account_sid and fake._authorised(header)

        def _answer(
            self, status: int, body: dict[str, object], *, retry_after: str | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the suite's output is not the place for request lines."""

    return Handler


@contextmanager
def running() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    try:
        yield fake
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args().port
    fake = FakeTwilio()
    fake._server.server_close()
    fake._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(fake))
    print(f"fake Twilio at {fake.base_url} (sid {fake.account_sid}, token {fake.auth_token})")
    fake._server.serve_forever()


if __name__ == "__main__":
    main()
