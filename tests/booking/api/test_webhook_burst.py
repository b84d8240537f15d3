"""Twilio's webhooks under a burst, through a real `clinic serve`: 50 signed inbound texts at
once (distinct texts, Twilio's retries of one, and one number texting STOP ten times), and
repeated, out-of-order delivery callbacks for one message. Every answer is a 200 with TwiML
(204 for a callback), no 500, each MessageSid stored once, the number in the opt-out
registry once, the notice moved forward only, and all answered within ``BOUND_SECONDS``.
The figures are printed (``pytest -s``) for the report."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx2 as httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from booking.models import InboundMessage
from core.db import Database
from notifications.channels.base import ChannelKind
from notifications.models import SmsOptOut
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind
from tests.booking.api.inbound_helpers import PATH, PUBLIC
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.servers import clinic, serving

STATUS_PATH = "/webhooks/twilio/status"
BOUND_SECONDS = 5.0  # the whole burst; Twilio gives a webhook 15 s before it retries
SENT_SID = "SMsentburst"
STOPPER = "+16175550888"
Request = tuple[str, dict[str, str], dict[str, str]]  # path, form fields, headers


def _signed(path: str, fields: dict[str, str]) -> Request:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, fields)
    return path, fields, {"X-Twilio-Signature": signature}


def _inbound(sid: str, from_: str, body: str) -> Request:
    fields = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": from_,
              "To": "+16175550000", "Body": body}  # fmt: skip
    return _signed(PATH, fields)


def _burst() -> list[Request]:
    """50 inbound texts (30 distinct, 10 copies of one retried text, 10 STOPs from one
    number) and 20 delivery callbacks for one message, in and out of order."""
    bodies = ("C", "R", "HELP", "where do I park?", "I want to end my life", "START")
    requests = [
        _inbound(f"SMburst{n:03d}", f"+1617555{1000 + n:04d}", bodies[n % len(bodies)])
        for n in range(30)
    ]
    requests += [_inbound("SMretried", "+16175550777", "running 10 min late")] * 10
    requests += [_inbound(f"SMstop{n}", STOPPER, "STOP") for n in range(10)]
    for n in range(20):
        status = ("sent", "delivered", "queued", "delivered")[n % 4]
        fields = {"MessageSid": SENT_SID, "AccountSid": ACCOUNT_SID, "MessageStatus": status}
        requests.append(_signed(STATUS_PATH, fields))
    return requests


def _seed_sent_notice(db_url: str) -> None:
    now = datetime.now(UTC)
    database = Database.from_url(db_url)
    try:
        with database.session() as session:
            session.add(Notice(
                appointment_id=None, key=f"burst/{uuid.uuid4()}", kind=NoticeKind.STAFF_REPLY,
                audience=Audience.PATIENT, channel=ChannelKind.SMS, recipient="+16175550666",
                zone="UTC", moment_at=now, due_at=now, send_before=None,
                status=NoticeStatus.SENT, attempts=1, provider_id=SENT_SID, context={},
                fallbacks={}, sent_at=now, created_at=now, updated_at=now,
            ))  # fmt: skip
            session.commit()
    finally:
        database.engine.dispose()


def _fire(base: str, requests: list[Request]) -> tuple[list[httpx.Response], list[float], float]:
    """Every request at once from its own connection; the answers, each one's seconds
    (sorted) and the burst's (from the first sent to the last answered)."""
    start_line = threading.Barrier(len(requests))

    def send(request: Request) -> tuple[httpx.Response, float, float]:
        path, fields, headers = request
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/health").status_code == 200  # connected before the start line
            start_line.wait(timeout=30)
            began = time.perf_counter()
            answer = http.post(path, data=fields, headers=headers)
            return answer, began, time.perf_counter()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        results = list(pool.map(send, requests))
    span = max(end for _, _, end in results) - min(began for _, began, _ in results)
    return [r for r, _, _ in results], sorted(end - b for _, b, end in results), span


def _stored(db_url: str) -> tuple[Counter[str], int, NoticeStatus | None]:
    database = Database.from_url(db_url)
    try:
        with database.session() as session:
            sids = Counter(session.scalars(select(InboundMessage.message_sid)))
            opted = session.scalar(
                select(func.count()).select_from(SmsOptOut).where(SmsOptOut.phone == STOPPER)
            )
            status = session.scalar(select(Notice.status).where(Notice.provider_id == SENT_SID))
            return sids, int(opted or 0), status
    finally:
        database.engine.dispose()


def test_a_burst_of_signed_webhooks_is_answered_fast_and_stored_once(db_url: str) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    _seed_sent_notice(db_url)
    settings = {"CLINIC_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "CLINIC_PUBLIC_URL": PUBLIC}
    with serving(db_url, settings=settings) as base:
        requests = _burst()
        answers, seconds, total = _fire(base, requests)
    for (path, _, _), answer in zip(requests, answers, strict=True):
        if path == PATH:
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].startswith("text/xml")
            assert answer.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response')
        else:
            assert answer.status_code == 204, answer.text
    retried = {a.text for (_, f, _), a in zip(requests, answers, strict=True)
               if f.get("MessageSid") == "SMretried"}  # fmt: skip
    assert len(retried) == 1  # every copy of one text gets the first answer
    sids, opted, status = _stored(db_url)
    assert set(sids.values()) == {1}
    assert len(sids) == 30 + 1 + 10
    assert opted == 1
    assert status is NoticeStatus.DELIVERED
    ms = [round(seconds[int(len(seconds) * q)] * 1000) for q in (0.5, 0.95)]
    ms.append(round(seconds[-1] * 1000))
    print(f"\nwebhook burst: {len(requests)} requests in {total:.2f} s; each p50 / p95 / max "
          f"{ms[0]} / {ms[1]} / {ms[2]} ms")  # fmt: skip
    assert total < BOUND_SECONDS
