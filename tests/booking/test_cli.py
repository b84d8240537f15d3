"""The ``clinic`` command, run as a real process against a fresh database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from booking.models import AppointmentType, Clinician, Location, Patient, Room, StaffUser
from core.db import Database
from tests.conftest import PASSWORD, FreshDatabases

CLINIC = [sys.executable, "-m", "booking.cli"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(backend: str, fresh_databases: FreshDatabases) -> str:
    return fresh_databases.url(backend)


def clinic(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"CLINIC_DATABASE_URL": db_url} | env
    return subprocess.run(
        [*CLINIC, *args], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _counts(db_url: str) -> dict[str, int]:
    db = Database.from_url(db_url)
    models = (Location, Clinician, Room, AppointmentType, Patient, StaffUser)
    with db.session(write=False) as session:
        counts = {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models}
    db.dispose()
    return counts


def test_demo_seeds_the_clinic_once_and_is_idempotent(db_url: str) -> None:
    first = clinic(db_url, "demo")
    assert first.returncode == 0, first.stderr
    second = clinic(db_url, "demo")
    assert second.returncode == 0, second.stderr
    expected = {"Location": 1, "Clinician": 3, "Room": 5, "AppointmentType": 4, "Patient": 3}
    assert _counts(db_url) == expected | {"StaffUser": 3}
    assert "admin@demo.clinic.example" in second.stdout
    assert "/docs" in second.stdout


def test_user_add_creates_an_account_that_can_sign_in(db_url: str) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    added = clinic(
        db_url, "user", "add", "--email", "Desk@Clinic.example", "--name", "Desk",
        "--role", "front_desk", CLINIC_NEW_USER_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "created front_desk desk@clinic.example" in added.stdout
    again = clinic(
        db_url, "user", "add", "--email", "desk@clinic.example", "--name", "Desk",
        "--role", "front_desk", CLINIC_NEW_USER_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_user_add_refuses_a_weak_password(db_url: str) -> None:
    assert clinic(db_url, "db", "upgrade").returncode == 0
    added = clinic(
        db_url, "user", "add", "--email", "a@clinic.example", "--name", "A",
        "--role", "admin", CLINIC_NEW_USER_PASSWORD="short",
    )  # fmt: skip
    assert added.returncode == 2
    assert "password" in added.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_demo(db_url: str) -> Iterator[tuple[str, str]]:
    """`clinic demo` then `clinic serve` in a real process; yields (base URL, demo output)."""
    demo = clinic(db_url, "demo")
    assert demo.returncode == 0, demo.stderr
    port = _free_port()
    env = os.environ | {"CLINIC_DATABASE_URL": db_url}
    server = subprocess.Popen(
        [*CLINIC, "serve", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, demo.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_answers_health_docs_and_a_demo_login(served_demo: tuple[str, str]) -> None:
    base, demo_output = served_demo
    health = httpx.get(f"{base}/health")
    assert health.json() == {"status": "ok", "database": True}
    assert httpx.get(f"{base}/docs").status_code == 200
    match = re.search(r"admin\s+(\S+@demo\.clinic\.example)\s+(\S+)", demo_output)
    assert match is not None
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": match[1], "password": match[2]}
    )
    assert login.status_code == 200
    token = login.json()["access_token"]
    types = httpx.get(
        f"{base}/api/v1/appointment-types", headers={"Authorization": f"Bearer {token}"}
    )
    names = {t["public_name"] for t in types.json()}
    assert names == {"Consultation", "Follow-up visit", "Clinic session"}
