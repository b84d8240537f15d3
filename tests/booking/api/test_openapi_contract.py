"""The OpenAPI document tells the truth: schemathesis, as it is, fuzzes the served app.

Every operation gets a bounded number of generated requests (coverage cases plus
``MAX_EXAMPLES`` fuzzed ones), signed in as an admin, on SQLite, against a small clinic whose
ids the generator uses for path and query parameters. Any answer the document does not
describe (status, content type, body, headers), any server error and any of schemathesis'
other checks fails the build. The checks changed from their defaults are listed in
``CONFIG`` and in the README.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from booking.app import create_app
from booking.models import Role
from booking.schemas.staff import StaffUserIn
from booking.services.context import Actor, Context
from booking.services.staff import create_user
from core import migrations
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from tests.conftest import FROZEN_NOW, PASSWORD
from tests.factories import (
    make_appointment_type,
    make_clinician,
    make_location,
    make_patient,
    make_room,
)

MAX_EXAMPLES = 12


def config(ids: dict[str, str]) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES},
            # Real ids for the parameters that name a record, so operations do real work
            # instead of answering 404 to every random UUID.
            "parameters": ids,
            "checks": {
                # A schema states each field's shape and limits, not the rules across fields
                # (an end after its start), references that must exist (unknown_reference)
                # or the clinic's rules (gates, notice, horizon): those answer 422.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                },
            },
        }
    )


# Field rules a JSON schema cannot carry: IANA zones, real phone numbers and mail domains,
# neutral public names; "body" and nested objects are rules across fields.
UNSTATED = frozenset(
    {"body", "timezone", "tz", "phone", "email", "public_name", "patient", "escort"}
)


@schemathesis.check
def fields_refused_only_for_unstated_rules(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """positive_data_acceptance lets a valid-looking request be refused with 422; this check
    keeps that honest: a field the document says is valid (a null it allows, a date inside
    its pattern, a time in its format) must not be refused on its own."""
    del ctx
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422 or response.json().get("code") != "validation_error":
        return None
    fields = [error["field"] for error in response.json().get("errors", [])]
    named = [field for field in fields if field.rsplit(".", 1)[-1] not in UNSTATED]
    assert not named, f"valid by the document, refused by the server: {named}"
    return None


def _served() -> tuple[FastAPI, Database, dict[str, str], dict[str, str]]:
    """The app on a fresh SQLite file with a small clinic, built when the module loads:
    schemathesis reads the document at collection time (its fixture-based loader does not
    work with this pytest)."""
    database = Database.from_url(f"sqlite:///{tempfile.mkdtemp()}/contract.db")
    migrations.upgrade(database.engine)
    settings_ = Settings(
        database_url=str(database.engine.url), secret_key="test", session_ttl_hours=24 * 30
    )
    app = create_app(settings_, database=database, clock=FrozenClock(FROZEN_NOW))
    with TestClient(app) as client:
        headers = _admin(database, client)
        ids = _small_clinic(client, headers)
    return app, database, headers, ids


def _admin(database: Database, client: TestClient) -> dict[str, str]:
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=FROZEN_NOW)
        data = StaffUserIn(
            email="a@clinic.example", name="Admin", role=Role.ADMIN, password=PASSWORD
        )
        create_user(ctx, data=data)
    login = {"email": "a@clinic.example", "password": PASSWORD}
    token = client.post("/api/v1/auth/login", json=login).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _small_clinic(client: TestClient, h: dict[str, str]) -> dict[str, Any]:
    location = make_location(client, h)
    kind = make_appointment_type(client, h)
    clinician = make_clinician(client, h, appointment_type_ids=[kind["id"]])
    room = make_room(client, h, location["id"], kind="consult_room")
    patient = make_patient(client, h)
    return {
        "location_id": location["id"],
        "appointment_type_id": kind["id"],
        "type_id": kind["id"],
        "clinician_id": clinician["id"],
        "room_id": room["id"],
        "patient_id": patient["id"],
    }


APP, DATABASE, ADMIN, IDS = _served()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=config(IDS))


@pytest.fixture(scope="module", autouse=True)
def _dispose() -> Iterator[None]:
    yield
    DATABASE.dispose()


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_the_server_does_what_the_document_says(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate(headers=ADMIN)
