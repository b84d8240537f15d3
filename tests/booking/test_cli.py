"""The ``clinic`` command, run as a real process against a fresh database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from booking.models import AppointmentType, Clinician, Location, Patient, Room, StaffUser
from core import migrations
from core.db import Database
from tests.conftest import PASSWORD
from tests.servers import clinic, serving


def _counts(db_url: str) -> dict[str, int]:
    db = Database.from_url(db_url)
    models = (Location, Clinician, Room, AppointmentType, Patient, StaffUser)
    with db.session(write=False) as session:
        counts = {
            m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models
        }
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


@pytest.fixture
def served_demo(db_url: str) -> Iterator[tuple[str, str]]:
    """`clinic demo` then `clinic serve` in a real process; yields (base URL, demo output)."""
    demo = clinic(db_url, "demo")
    assert demo.returncode == 0, demo.stderr
    with serving(db_url) as base:
        yield base, demo.stdout


def test_serve_answers_health_docs_and_a_demo_login(served_demo: tuple[str, str]) -> None:
    base, demo_output = served_demo
    health = httpx.get(f"{base}/health")
    assert health.json() == {"status": "ok", "database": True}
    assert httpx.get(f"{base}/docs").status_code == 200
    match = re.search(r"admin\s+(\S+@demo\.clinic\.example)\s+(\S+)", demo_output)
    assert match is not None
    login = httpx.post(f"{base}/api/v1/auth/login", json={"email": match[1], "password": match[2]})
    assert login.status_code == 200
    token = login.json()["access_token"]
    types = httpx.get(
        f"{base}/api/v1/appointment-types", headers={"Authorization": f"Bearer {token}"}
    )
    names = {t["public_name"] for t in types.json()}
    assert names == {"Consultation", "Follow-up visit", "Clinic session"}


def test_db_upgrade_says_from_which_revision_to_which(db_url: str) -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    head, first = script.get_current_head(), script.get_base()
    assert first is not None
    fresh = clinic(db_url, "db", "upgrade")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == f"upgraded the database from empty to {head}"
    assert clinic(db_url, "db", "upgrade").stdout.strip() == f"the database is already at {head}"
    database = Database.from_url(db_url)
    migrations.downgrade(database.engine, first)
    database.dispose()
    partial = clinic(db_url, "db", "upgrade")
    assert partial.stdout.strip() == f"upgraded the database from {first} to {head}"


def _demo_admin(demo_output: str) -> dict[str, str]:
    match = re.search(r"admin\s+(\S+@demo\.clinic\.example)\s+(\S+)", demo_output)
    assert match is not None
    return {"email": match[1], "password": match[2]}


def test_rerunning_demo_ends_the_sessions_of_the_old_passwords(
    served_demo: tuple[str, str], db_url: str
) -> None:
    base, first_output = served_demo
    login = httpx.post(f"{base}/api/v1/auth/login", json=_demo_admin(first_output))
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert httpx.get(f"{base}/api/v1/auth/me", headers=headers).status_code == 200
    again = clinic(db_url, "demo")
    assert again.returncode == 0, again.stderr
    assert httpx.get(f"{base}/api/v1/auth/me", headers=headers).status_code == 401
    fresh = httpx.post(f"{base}/api/v1/auth/login", json=_demo_admin(again.stdout))
    assert fresh.status_code == 200


def test_serve_gives_manage_links_on_its_public_url(db_url: str, tmp_path: Path) -> None:
    demo = clinic(db_url, "demo")
    assert demo.returncode == 0, demo.stderr
    public = "https://book.clinic.example"
    log = tmp_path / "serve.log"
    with serving(db_url, log=log, settings={"CLINIC_PUBLIC_URL": public}) as base:
        admin = httpx.post(f"{base}/api/v1/auth/login", json=_demo_admin(demo.stdout)).json()
        headers = {"Authorization": f"Bearer {admin['access_token']}"}
        types = httpx.get(f"{base}/api/v1/appointment-types", headers=headers).json()
        consult = next(t["id"] for t in types if t["public_name"] == "Consultation")
        first = date.today() + timedelta(days=3)  # a real server runs on the real clock
        window = {"appointment_type_id": consult, "start": str(first),
                  "end": str(first + timedelta(days=7))}  # fmt: skip
        slot = httpx.get(f"{base}/api/v1/availability", params=window).json()["slots"][0]
        body = {"appointment_type_id": consult, "starts_at": slot["starts_at"],
                "patient": {"given_name": "Sam", "family_name": "Rivera",
                            "date_of_birth": "1990-01-02", "phone": "+16175550177"}}  # fmt: skip
        booked = httpx.post(f"{base}/api/v1/appointments", json=body)
    assert booked.status_code == 201, booked.text
    assert booked.json()["manage_url"].startswith(f"{public}/manage/")
    assert f"{public}/docs" in log.read_text()  # serve says where to go
