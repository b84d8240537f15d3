"""What the page tests ask the JSON API (the other door to the same services)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx2 as httpx

PATIENT = {
    "given_name": "Rosa",
    "family_name": "Quinn",
    "date_of_birth": "1985-04-12",
    "phone": "+16175550142",
}


def type_id(http: httpx.Client, name: str = "Consultation") -> str:
    clinic = http.get("/api/v1/clinic").json()
    return str(next(t["id"] for t in clinic["appointment_types"] if t["name"] == name))


def open_starts(http: httpx.Client, kind: str, day: date) -> list[str]:
    query = {"appointment_type_id": kind, "start": str(day), "end": str(day)}
    response = http.get("/api/v1/availability", params=query)
    assert response.status_code == 200, response.text
    return [slot["starts_at"] for slot in response.json()["slots"]]


def book(http: httpx.Client, kind: str, starts_at: str, **patient: Any) -> dict[str, Any]:
    body = {"appointment_type_id": kind, "starts_at": starts_at, "patient": PATIENT | patient}
    response = http.post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.text
    booked: dict[str, Any] = response.json()
    return booked


def manage(http: httpx.Client, token: str) -> dict[str, Any]:
    response = http.get(f"/api/v1/manage/{token}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view
