"""Booking and availability commit in the route's own worker thread (``in_session``,
``commits_in_route``): the booking is stored when its answer arrives, and a commit that fails
is the answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from booking.models import Appointment
from core.db import Database
from tests.booking.api.conftest import Clinic, book, consult_at
from tests.booking.api.setup_helpers import expect_ok, expect_problem
from tests.conftest import SignedIn
from tests.factories import make_patient

MONDAY_9 = "2026-11-30T09:00:00-05:00"


def _booked(database: Database) -> int:
    with database.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Appointment)) or 0)


@contextmanager
def _commits_fail() -> Iterator[list[str]]:
    """Every session commit raises while the block runs; each attempt is noted."""
    tried: list[str] = []

    def refuse(_session: Session) -> None:
        tried.append("commit")
        raise RuntimeError("the database went away at commit")

    event.listen(Session, "before_commit", refuse)
    try:
        yield tried
    finally:
        event.remove(Session, "before_commit", refuse)


def test_a_booking_is_stored_when_its_answer_arrives(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    before = _booked(database)
    booked = expect_ok(book(client, consult_at(clinic, patient, MONDAY_9), front_desk.headers), 201)
    assert _booked(database) == before + 1
    with database.session(write=False) as session:
        assert session.get(Appointment, uuid.UUID(booked["appointment"]["id"])) is not None


def test_a_commit_that_fails_is_the_answer_and_nothing_is_stored(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database
) -> None:
    patient = make_patient(client, front_desk.headers)
    before = _booked(database)
    with _commits_fail() as tried:
        response = book(client, consult_at(clinic, patient, MONDAY_9), front_desk.headers)
    expect_problem(response, 500, "internal_error")
    assert tried  # the route's own commit was attempted, and its failure answered
    assert _booked(database) == before
    # The slot was not kept by the failed attempt.
    expect_ok(book(client, consult_at(clinic, patient, MONDAY_9), front_desk.headers), 201)


def test_availability_answers_after_its_read_ends(
    client: TestClient, clinic: Clinic, front_desk: SignedIn
) -> None:
    params = {"appointment_type_id": clinic.consult["id"], "start": "2026-11-30",
              "end": "2026-11-30"}  # fmt: skip
    with _commits_fail() as tried:
        response = client.get("/api/v1/availability", params=params, headers=front_desk.headers)
    expect_problem(response, 500, "internal_error")
    assert tried
