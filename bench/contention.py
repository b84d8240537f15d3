"""Contention: 64 public bookings for one consult slot, fired at once on fresh connections.

Exactly one may win; the rest must be ``409 slot_taken``. The appointments listed at the
slot afterwards confirm that only one was booked.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from datetime import datetime
from typing import Any

import httpx2 as httpx

from bench.clinic import ZONE, Clinic
from bench.harness import client, ms, problem_code
from bench.throughput import Candidate

RACERS = 64

Attempt = tuple[float, int, str]  # seconds, status (0: transport error), problem code


def racer_body(clinic: Clinic, slot: Candidate, number: int) -> dict[str, Any]:
    """A new patient's public booking of ``slot``."""
    return {
        "appointment_type_id": str(clinic.consult_type_id),
        "location_id": str(clinic.location_id),
        "starts_at": slot.spot.starts_at.isoformat(),
        "clinician_id": str(slot.spot.clinician_id),
        "patient": {"given_name": "Racer", "family_name": f"Number{number}",
                    "date_of_birth": "1980-05-05", "email": f"racer{number}@example.com"},
    }  # fmt: skip


def attempt(base: str, body: dict[str, Any], barrier: threading.Barrier) -> Attempt:
    """Connect, wait for every other racer, then post once."""
    with client(base) as http:
        barrier.wait()
        started = time.perf_counter()
        try:
            response = http.post("/api/v1/appointments", json=body)
        except httpx.TransportError as exc:
            return (time.perf_counter() - started, 0, type(exc).__name__)
        code = problem_code(response) if response.status_code >= 400 else ""
        return (time.perf_counter() - started, response.status_code, code)


def booked_at(base: str, clinic: Clinic, slot: Candidate) -> int:
    """Booked appointments that start at the slot, as the staff API lists them."""
    local_day = slot.spot.starts_at.astimezone(ZONE).date()
    params = {"day": local_day.isoformat(), "clinician_id": str(slot.spot.clinician_id)}
    with client(base, clinic.headers) as http:
        listed = http.get("/api/v1/appointments", params=params).json()
    at_slot = [
        a for a in listed
        if datetime.fromisoformat(a["starts_at"]) == slot.spot.starts_at
        and a["status"] == "booked"
    ]  # fmt: skip
    return len(at_slot)


def race(base: str, clinic: Clinic, slot: Candidate) -> dict[str, Any]:
    """64 patients book the same consult at once, each on a fresh connection."""
    barrier = threading.Barrier(RACERS + 1, timeout=120)
    results: list[Attempt] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        outcome = attempt(base, racer_body(clinic, slot, n), barrier)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    statuses = Counter(status for _, status, _ in results)
    codes = Counter(f"{status} {code}" for _, status, code in results if code)
    return {
        "racers": RACERS,
        "winners": statuses[201],
        "booked_at_slot": booked_at(base, clinic, slot),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "codes": dict(codes),
        "seconds": round(seconds, 3),
        "p50_ms": ms(statistics.median(t for t, _, _ in results)),
        "max_ms": ms(max(t for t, _, _ in results)),
    }
