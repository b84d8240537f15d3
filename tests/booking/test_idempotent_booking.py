"""A retry is never told its own booking took the slot: 20 copies of one request (one
``Idempotency-Key``, one body) sent at once through `clinic serve` all get the one
appointment, or 409 ``request_in_progress`` with Retry-After while it is being made."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx2 as httpx

from tests.booking.test_no_double_booking import _setup
from tests.conftest import PASSWORD
from tests.servers import clinic, serving

COPIES = 20


def _send_copies(base: str, body: dict[str, Any]) -> list[Any]:
    start_line = threading.Barrier(COPIES)

    def send(_n: int) -> Any:
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/health").status_code == 200
            start_line.wait(timeout=30)
            return http.post(
                "/api/v1/appointments", json=body, headers={"Idempotency-Key": "once-only"}
            )

    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        return list(pool.map(send, range(COPIES)))


def _booked(base: str) -> list[Any]:
    with httpx.Client(base_url=base) as http:
        login = {"email": "admin@clinic.example", "password": PASSWORD}
        token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
        answer = http.get("/api/v1/appointments", params={"status": "booked"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        booked: list[Any] = answer.json()
        return booked


def test_twenty_copies_of_one_request_make_one_appointment(db_url: str) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    added = clinic(db_url, "user", "add", "--email", "admin@clinic.example", "--name", "Admin",
                   "--role", "admin", CLINIC_NEW_USER_PASSWORD=PASSWORD)  # fmt: skip
    assert added.returncode == 0, added.stderr
    with serving(db_url) as base:
        ids = _setup(base)
        body = {
            "appointment_type_id": ids["type"],
            "starts_at": f"{(date.today() + timedelta(days=7)).isoformat()}T10:00:00-06:00",
            "patient": {"given_name": "Retry", "family_name": "Often",
                        "date_of_birth": "1980-05-05", "email": "retry@example.com"},
        }  # fmt: skip
        answers = _send_copies(base, body)
        booked = _booked(base)
    assert len(booked) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "request_in_progress", answer.text
            assert int(answer.headers["Retry-After"]) >= 1
        else:
            assert answer.status_code == 201, answer.text
            assert answer.json()["appointment"]["id"] == booked[0]["id"]
    assert any(answer.status_code == 201 for answer in answers)
