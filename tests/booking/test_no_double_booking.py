"""No double booking under load: 64 patients race for one slot through the real HTTP stack
(`clinic serve`, two worker processes) on each database. Exactly one wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx2 as httpx

from tests.conftest import PASSWORD
from tests.servers import clinic, serving

RACERS = 64


def _setup(base: str) -> dict[str, Any]:
    """A location, one clinician, one consult room and an online consult type, via the API."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/login", json={"email": "admin@clinic.example", "password": PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"

        def post(path: str, body: dict[str, Any]) -> Any:
            response = http.post(path, json=body)
            assert response.status_code == 201, response.text
            return response.json()

        location = post("/api/v1/locations", {"name": "Race", "timezone": "America/Chicago"})
        kind = post("/api/v1/appointment-types", {
            "name": "Consult", "public_name": "Consultation", "kind": "consult",
            "clinician_minutes": 60, "room_kind": "consult_room", "room_minutes": 60,
            "online_bookable": True,
        })  # fmt: skip
        clinician = post(
            "/api/v1/clinicians", {"name": "Dr Race", "appointment_type_ids": [kind["id"]]}
        )
        post(
            "/api/v1/rooms", {"location_id": location["id"], "name": "Room", "kind": "consult_room"}
        )
        for weekday in range(7):
            post(f"/api/v1/clinicians/{clinician['id']}/working-hours", {
                "location_id": location["id"], "weekday": weekday,
                "start_time": "09:00", "end_time": "17:00",
            })  # fmt: skip
    return {"type": kind["id"]}


def _race(base: str, type_id: str, starts_at: str) -> list[httpx.Response]:
    def attempt(n: int) -> httpx.Response:
        body = {
            "appointment_type_id": type_id, "starts_at": starts_at,
            "patient": {"given_name": "Racer", "family_name": f"No{n}",
                        "date_of_birth": "1980-05-05", "email": f"racer{n}@example.com"},
        }  # fmt: skip
        return httpx.post(f"{base}/api/v1/appointments", json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(attempt, range(RACERS)))


def test_exactly_one_of_64_concurrent_bookings_wins(db_url: str) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    added = clinic(db_url, "user", "add", "--email", "admin@clinic.example", "--name", "Admin",
                   "--role", "admin", CLINIC_NEW_USER_PASSWORD=PASSWORD)  # fmt: skip
    assert added.returncode == 0, added.stderr
    with serving(db_url, workers=2) as base:
        ids = _setup(base)
        slot_day = date.today() + timedelta(days=7)
        starts_at = f"{slot_day.isoformat()}T10:00:00-06:00"
        responses = _race(base, ids["type"], starts_at)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * (RACERS - 1), statuses
        codes = {r.json()["code"] for r in responses if r.status_code == 409}
        assert codes == {"slot_taken"}
        with httpx.Client(base_url=base) as http:
            login = {"email": "admin@clinic.example", "password": PASSWORD}
            token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
            booked = http.get("/api/v1/appointments", params={"status": "booked"},
                              headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        assert len(booked) == 1
