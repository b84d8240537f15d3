"""Waitlist offers under concurrency, on both databases: two dispatch workers processing one
freed slot send one offer and pass an expired one on once; two patients' clicks on one offer
book it once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.dispatching import Dispatcher
from booking.models import OfferStatus, WaitlistOffer
from booking.services import offers
from booking.services.appointments import Booked
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.errors import DomainError
from core.settings import Settings
from scheduler.dispatch import DispatchReport
from tests.booking.api.conftest import Clinic
from tests.booking.api.offer_helpers import (
    build_dispatcher,
    free_monday_9,
    join,
    settings,
    sms_tokens,
)
from tests.conftest import SignedIn
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import FakeTwilio

__all__ = ["settings"]


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` in threads released together; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[object] = [RuntimeError("did not run")] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # the test reads it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _live_offers(database: Database) -> int:
    with database.session(write=False) as session:
        query = select(func.count()).where(WaitlistOffer.status == OfferStatus.OFFERED)
        return int(session.scalar(query) or 0)


def test_two_workers_send_one_offer_and_pass_an_expired_one_on_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    workers: list[Dispatcher] = [
        build_dispatcher(database, settings, clock, fake_twilio, fake_smtp) for _ in range(2)
    ]
    assert workers[0].worker != workers[1].worker
    first = join(client, clinic, front_desk)
    clock.advance(timedelta(minutes=1))
    second = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    reports = _at_once(*(w.run_once for w in workers))
    assert all(isinstance(r, DispatchReport) for r in reports), reports
    assert len(sms_tokens(fake_twilio, first["patient"]["phone"])) == 1
    assert fake_twilio.to(second["patient"]["phone"]) == []
    clock.advance(timedelta(minutes=31))
    reports = _at_once(*(w.run_once for w in workers))
    assert all(isinstance(r, DispatchReport) for r in reports), reports
    assert _live_offers(database) == 1
    assert len(sms_tokens(fake_twilio, second["patient"]["phone"])) == 1
    assert len(fake_twilio.to(first["patient"]["phone"])) == 1  # not offered it again


def test_two_accepts_of_one_offer_book_it_once(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    settings: Settings, clock: FrozenClock, fake_twilio: FakeTwilio, fake_smtp: FakeSmtp,
) -> None:  # fmt: skip
    waiting = join(client, clinic, front_desk)
    free_monday_9(client, clinic, front_desk)
    build_dispatcher(database, settings, clock, fake_twilio, fake_smtp).run_once()
    [token] = sms_tokens(fake_twilio, waiting["patient"]["phone"])

    def accept() -> Booked:
        with database.session() as session:
            ctx = Context(session=session, actor=Actor.online(), now=clock.now(), settings=settings)
            return offers.accept(ctx, token=token, escort=None)

    results = _at_once(accept, accept)
    booked = [r for r in results if isinstance(r, Booked)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(booked) == 1, results
    assert [(e.code, e.status) for e in refused] == [("offer_taken", 409)], results
