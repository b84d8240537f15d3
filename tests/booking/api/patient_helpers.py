"""Helpers shared by the patient API tests: the patients URL, a registration body and
readers for instants and for the fields a validation problem names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

PATIENTS = "/api/v1/patients"


def instant_or_none(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def patient_body(**overrides: Any) -> dict[str, Any]:
    return {
        "given_name": "Robin",
        "family_name": f"Okafor{uuid.uuid4().hex[:6]}",
        "date_of_birth": "1979-06-30",
    } | overrides


def response_fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]
