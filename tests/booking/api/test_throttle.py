"""Anonymous holds and bookings are limited per client address and per patient (429 with
Retry-After); staff are not; X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.app import create_app
from booking.models import Hold
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from tests.booking.api.conftest import Clinic, patient_details
from tests.booking.api.setup_helpers import expect_problem
from tests.conftest import SignedIn

# Four free consult starts on Monday 30 November (one consult room: an hour apart).
STARTS = [f"2026-11-30T{hour:02d}:00:00-05:00" for hour in (9, 10, 11, 12, 13)]
PATIENT = "203.0.113.7"


@pytest.fixture
def make_app(settings: Settings, database: Database, clock: FrozenClock) -> Callable[..., FastAPI]:
    """An app with these limits in its settings (each app counts attempts on its own)."""

    def make(**limits: Any) -> FastAPI:
        return create_app(settings.model_copy(update=limits), database=database, clock=clock)

    return make


@contextmanager
def _at(app: FastAPI, address: str) -> Iterator[TestClient]:
    """A client of ``app`` whose socket peer is ``address``."""
    with TestClient(app, raise_server_exceptions=False, client=(address, 40000)) as client:
        yield client


def _hold(client: TestClient, clinic: Clinic, starts_at: str, **headers: str) -> Any:
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": starts_at}
    return client.post("/api/v1/holds", json=body, headers=headers)


def _expect_429(response: Any, *, at_most: int) -> None:
    expect_problem(response, 429, "too_many_requests")
    assert 1 <= int(response.headers["Retry-After"]) <= at_most


def test_a_client_holds_three_slots_at_most_until_one_expires(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    with _at(make_app(), PATIENT) as client:
        for starts_at in STARTS[:3]:
            assert _hold(client, clinic, starts_at).status_code == 201
        refused = _hold(client, clinic, STARTS[3])
        _expect_429(refused, at_most=600)
        assert refused.headers["Retry-After"] == "600"  # the first hold's ten minutes
        clock.advance(timedelta(minutes=10))
        assert _hold(client, clinic, STARTS[3]).status_code == 201
    with database.session(write=False) as session:
        keys = set(session.scalars(select(Hold.client_key)))
    (key,) = keys  # every hold is the one client's, kept as a keyed hash
    assert key is not None
    assert len(key) == 64
    assert PATIENT not in key


def test_another_address_is_not_affected(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    with _at(make_app(), PATIENT) as client:
        for starts_at in STARTS[:3]:
            assert _hold(client, clinic, starts_at).status_code == 201
        _expect_429(_hold(client, clinic, STARTS[3]), at_most=600)
    with _at(make_app(), "198.51.100.20") as neighbour:
        assert _hold(neighbour, clinic, STARTS[3]).status_code == 201


def test_booking_attempts_are_limited_per_address_and_per_patient(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    app = make_app(booking_rate_per_client="2/minute", booking_rate_per_patient="3/minute")
    body = {"appointment_type_id": clinic.consult["id"]}
    with _at(app, PATIENT) as client:
        for n, starts_at in enumerate(STARTS[:2]):
            booked = client.post("/api/v1/appointments", json=body | {
                "starts_at": starts_at, "patient": patient_details(n)})  # fmt: skip
            assert booked.status_code == 201, booked.text
        late = {"starts_at": STARTS[2], "patient": patient_details(2)}
        _expect_429(client.post("/api/v1/appointments", json=body | late), at_most=60)
        # The same patient from ever new addresses: the patient's own limit holds.
        same = body | {"starts_at": STARTS[3], "patient": patient_details(9)}
        for n in range(3):
            with _at(app, f"198.51.100.{n}") as other:
                response = other.post("/api/v1/appointments", json=same)
                assert response.status_code != 429, response.text
        with _at(app, "198.51.100.99") as other:
            _expect_429(other.post("/api/v1/appointments", json=same), at_most=60)


def test_staff_are_not_limited(
    clinic: Clinic, make_app: Callable[..., FastAPI], admin: SignedIn
) -> None:
    with _at(make_app(booking_rate_per_client="1/minute"), PATIENT) as c:
        for starts_at in STARTS:
            assert _hold(c, clinic, starts_at, **admin.headers).status_code == 201
        # A token that is not valid is not a way round the limits: it is refused.
        forged = _hold(c, clinic, STARTS[0], Authorization="Bearer not-a-real-token")
        assert forged.status_code == 401


def test_a_forwarded_for_header_from_an_untrusted_peer_changes_nothing(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    with _at(make_app(), PATIENT) as client:
        for n, starts_at in enumerate(STARTS[:3]):
            forwarded = {"X-Forwarded-For": f"192.0.2.{n}"}
            assert _hold(client, clinic, starts_at, **forwarded).status_code == 201
        spoofed = _hold(client, clinic, STARTS[3], **{"X-Forwarded-For": "192.0.2.200"})
        _expect_429(spoofed, at_most=600)


def test_a_trusted_proxy_names_the_client(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    with _at(make_app(trusted_proxies=["10.0.0.0/8"]), "10.0.0.5") as proxy:
        for starts_at in STARTS[:3]:
            held = _hold(proxy, clinic, starts_at, **{"X-Forwarded-For": PATIENT})
            assert held.status_code == 201
        # What the client wrote to the left of the proxy's own entry is not believed.
        spoofed = {"X-Forwarded-For": f"192.0.2.1, {PATIENT}"}
        _expect_429(_hold(proxy, clinic, STARTS[3], **spoofed), at_most=600)
        # Another client behind the same proxy has its own allowance.
        other = {"X-Forwarded-For": "198.51.100.20"}
        assert _hold(proxy, clinic, STARTS[3], **other).status_code == 201


def test_copies_of_one_idempotent_booking_count_once(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    """A client retrying one request (same Idempotency-Key) hears its booking every time;
    a new key is a new attempt and is limited as usual."""
    app = make_app(booking_rate_per_client="2/minute", booking_rate_per_patient="2/minute")
    body = {"appointment_type_id": clinic.consult["id"], "starts_at": STARTS[0],
            "patient": patient_details(4)}  # fmt: skip
    with _at(app, PATIENT) as client:
        retry = {"Idempotency-Key": "retry-me"}
        answers = [client.post("/api/v1/appointments", json=body, headers=retry) for _ in range(6)]
        assert [a.status_code for a in answers] == [201] * 6
        assert len({a.json()["appointment"]["starts_at"] for a in answers}) == 1
        other = body | {"starts_at": STARTS[1]}
        fresh = {"Idempotency-Key": "another"}
        assert client.post("/api/v1/appointments", json=other, headers=fresh).status_code == 201
        third = body | {"starts_at": STARTS[2]}
        _expect_429(client.post("/api/v1/appointments", json=third), at_most=60)


def test_a_booking_body_that_does_not_validate_is_a_422_and_counts_against_no_limit(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    # The limits read the body themselves (only for anonymous callers), not as a parameter.
    app = make_app(booking_rate_per_client="2/minute")
    bad = {"appointment_type_id": clinic.consult["id"], "starts_at": "not a time"}
    with _at(app, PATIENT) as client:
        for _ in range(3):
            expect_problem(client.post("/api/v1/appointments", json=bad), 422, "validation_error")
        body = {"appointment_type_id": clinic.consult["id"], "patient": patient_details(0)}
        booked = client.post("/api/v1/appointments", json=body | {"starts_at": STARTS[0]})
        assert booked.status_code == 201, booked.text


def test_an_idempotency_key_too_long_is_a_422_and_counts_against_no_limit(
    clinic: Clinic, make_app: Callable[..., FastAPI], database: Database, clock: FrozenClock
) -> None:
    app = make_app(booking_rate_per_client="2/minute")
    body = {"appointment_type_id": clinic.consult["id"], "patient": patient_details(0)}
    too_long = {"Idempotency-Key": "k" * 201}
    with _at(app, PATIENT) as client:
        for start in STARTS[:3]:
            answer = client.post(
                "/api/v1/appointments", json=body | {"starts_at": start}, headers=too_long
            )
            expect_problem(answer, 422, "validation_error")
        booked = client.post("/api/v1/appointments", json=body | {"starts_at": STARTS[0]})
        assert booked.status_code == 201, booked.text
        again = client.post("/api/v1/appointments", json=body | {"starts_at": STARTS[1]})
        assert again.status_code == 201, again.text
        _expect_429(
            client.post("/api/v1/appointments", json=body | {"starts_at": STARTS[2]}), at_most=60
        )
