"""No double booking under load: 64 patients race for one slot through the real HTTP stack
(`clinic serve`) on each database. Exactly one wins, the rest hear `slot_taken`, and every
answer comes back within two seconds.

The default single worker is the case that matters on SQLite: 64 requests outnumber the
threadpool (40 threads), so writers that wait for the lock inside it used to starve the one
holding it until their wait ran out (a 500). Two workers split the burst below that limit.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.conftest import PASSWORD
from tests.servers import clinic, serving

RACERS = 64
PATIENCE_S = 2.0


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


def _race(base: str, path: str, type_id: str, starts_at: str) -> list[tuple[float, Any]]:
    """Every racer's (seconds to answer, response) for one slot. Each racer opens its
    connection first and all fire together, so the burst lands at once as it does from a
    real load generator (a new client per request trickles in over a second instead)."""
    start_line = threading.Barrier(RACERS)

    def attempt(n: int) -> tuple[float, Any]:
        body: dict[str, Any] = {"appointment_type_id": type_id, "starts_at": starts_at}
        if path == "/api/v1/appointments":
            body["patient"] = {
                "given_name": "Racer", "family_name": f"No{n}", "date_of_birth": "1980-05-05",
                "email": f"racer{n}@example.com",
            }  # fmt: skip
        with httpx.Client(base_url=base, timeout=60) as http:
            assert http.get("/health").status_code == 200  # the connection is open
            start_line.wait(timeout=30)
            started = time.monotonic()
            response = http.post(path, json=body)
            return time.monotonic() - started, response

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(attempt, range(RACERS)))


def _unexpected(answers: list[tuple[float, Any]], log: Path) -> str:
    """What a failed race says: the statuses, each answer that was neither a win nor a
    409 (when it came, what it said) and the server's warnings."""
    odd = [f"{s:.2f} s: {r.status_code} {r.text[:200]}" for s, r in answers
           if r.status_code not in (201, 409)]  # fmt: skip
    counts = Counter(r.status_code for _, r in answers)
    slowest = max(seconds for seconds, _ in answers)
    server = log.read_text().splitlines()[-20:]
    return "\n".join([f"{dict(counts)}, slowest {slowest:.2f} s", *odd[:5], "server:", *server])


def _live(base: str, path: str) -> int:
    with httpx.Client(base_url=base) as http:
        login = {"email": "admin@clinic.example", "password": PASSWORD}
        token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
        if path.endswith("/holds"):
            return 1  # a hold has no listing; the single 201 above is the proof
        booked = http.get("/api/v1/appointments", params={"status": "booked"},
                          headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        return len(booked)


@pytest.mark.parametrize(
    ("workers", "path"),
    [(1, "/api/v1/appointments"), (1, "/api/v1/holds"), (2, "/api/v1/appointments")],
)
def test_exactly_one_of_64_concurrent_claims_wins_promptly(
    db_url: str, workers: int, path: str, tmp_path: Path
) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    added = clinic(db_url, "user", "add", "--email", "admin@clinic.example", "--name", "Admin",
                   "--role", "admin", CLINIC_NEW_USER_PASSWORD=PASSWORD)  # fmt: skip
    assert added.returncode == 0, added.stderr
    log = tmp_path / "server.log"
    with serving(db_url, workers=workers, log=log) as base:
        ids = _setup(base)
        slot_day = date.today() + timedelta(days=7)
        starts_at = f"{slot_day.isoformat()}T10:00:00-06:00"
        answers = _race(base, path, ids["type"], starts_at)
        statuses = sorted(r.status_code for _, r in answers)
        assert statuses == [201] + [409] * (RACERS - 1), _unexpected(answers, log)
        codes = {r.json()["code"] for _, r in answers if r.status_code == 409}
        assert codes == {"slot_taken"}
        slowest = max(seconds for seconds, _ in answers)
        assert slowest < PATIENCE_S, f"the slowest answer took {slowest:.1f} s"
        assert _live(base, path) == 1
