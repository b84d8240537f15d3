"""The per-process fragment cache under an interleaving: a request still writing when the
cache is cleared (no database: the rows and names are given, the cache code is real)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest

from booking.feeds import appointments
from booking.feeds.shown import Options
from booking.models import AppointmentStatus
from booking.services.context import Context

TYPE, ROOM, PLACE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
START = datetime(2026, 12, 7, 14, tzinfo=UTC)


class FakeRow(NamedTuple):  # the columns appointments._rows reads, as plain values
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    sequence: int
    updated_at: datetime
    room_id: uuid.UUID
    appointment_type_id: uuid.UUID
    location_id: uuid.UUID
    given_name: str
    family_name: str


ROW = FakeRow(uuid.uuid4(), START, START + timedelta(hours=1), AppointmentStatus.BOOKED, 0,
              START, ROOM, TYPE, PLACE, "Sam", "Rivera")  # fmt: skip


def _names_of(room: str) -> appointments.Names:
    return {TYPE: "Consultation"}, {ROOM: room}, {PLACE: ("Midtown", "America/New_York")}


def test_a_request_writing_across_a_clear_keeps_no_text_for_another_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options, ctx = Options(public_url="https://clinic.invalid"), Context.__new__(Context)
    rooms = {1: "Old room", 2: "New room"}
    reading: list[int] = []

    def rows(_ctx: Context, _where: Sequence[Any]) -> list[Any]:
        return [ROW]

    def names(_ctx: Context) -> appointments.Names:
        setup = reading[-1]
        if setup == 1:  # the in-flight request: the cache is cleared and setup 2 read meanwhile
            appointments.FRAGMENTS.clear()
            reading.append(2)
            appointments.texts(ctx, [], options, setup=2)
        return _names_of(rooms[setup])

    monkeypatch.setattr(appointments, "_rows", rows)
    monkeypatch.setattr(appointments, "_names", names)
    appointments.FRAGMENTS.clear()
    reading.append(1)
    (old,), _ = appointments.texts(ctx, [], options, setup=1)
    assert "Old room" in old
    (new,), _ = appointments.texts(ctx, [], options, setup=2)
    assert "New room" in new
    appointments.FRAGMENTS.clear()
