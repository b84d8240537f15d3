"""GET /availability writes its JSON body itself: byte for byte what AvailabilityOut says.

The frozen clock stands at Thursday 2026-11-26 10:00 in New York; the clinic works Monday to
Friday 08:00-17:00 there. The infusion needs a chair; the consult needs no room.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient

from booking.services.availability import open_slots
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from tests.booking.api.conftest import Clinic
from tests.conftest import SignedIn


@pytest.mark.parametrize("tz", [None, "Europe/London", "Asia/Kolkata"])
@pytest.mark.parametrize("kind", ["infusion", "consult"])
def test_the_body_is_the_model_serialized(
    client: TestClient, clinic: Clinic, front_desk: SignedIn, database: Database,
    clock: FrozenClock, kind: str, tz: str | None,
) -> None:  # fmt: skip
    type_id = getattr(clinic, kind)["id"]
    params = {"appointment_type_id": type_id, "start": "2026-11-30", "end": "2026-12-04"}
    response = client.get(
        "/api/v1/availability", params=params | ({"tz": tz} if tz else {}),
        headers=front_desk.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    with database.session(write=False) as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        model = open_slots(
            ctx, appointment_type_id=uuid.UUID(type_id), first_day=date(2026, 11, 30),
            last_day=date(2026, 12, 4), tz=tz,
        )  # fmt: skip
    assert model.slots  # both kinds have open slots that week
    assert response.content == model.model_dump_json().encode()
