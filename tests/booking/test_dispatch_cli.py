"""``clinic dispatch --once`` and ``clinic worker`` as real processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
from sqlalchemy import select

from core import migrations
from core.db import Database
from notifications.channels.base import ChannelKind
from scheduler.models import Notice, NoticeStatus
from tests.scheduler.dispatch_helpers import add_notice
from tests.servers import CLINIC, ROOT, clinic, serving


def _due_notice(db_url: str) -> Database:
    database = Database.from_url(db_url)
    migrations.upgrade(database.engine)
    past = datetime.now(UTC) - timedelta(minutes=1)  # the real process reads the system clock
    add_notice(database, channel=ChannelKind.EMAIL, due_at=past)
    return database


def _statuses(database: Database) -> list[NoticeStatus]:
    with database.session(write=False) as session:
        return list(session.scalars(select(Notice.status)))


def test_dispatch_once_sends_what_is_due_and_prints_its_report(db_url: str) -> None:
    database = _due_notice(db_url)
    done = clinic(db_url, "dispatch", "--once")
    assert done.returncode == 0, done.stderr
    # The row has no appointment: the re-check refuses it, and the report says so.
    assert "claimed 1" in done.stdout
    assert "skipped 1" in done.stdout
    assert _statuses(database) == [NoticeStatus.SKIPPED]
    database.dispose()


def test_worker_dispatches_until_sigterm(db_url: str) -> None:
    database = _due_notice(db_url)
    env = os.environ | {"CLINIC_DATABASE_URL": db_url, "CLINIC_DISPATCH_INTERVAL_SECONDS": "1"}
    worker = subprocess.Popen(
        [*CLINIC, "worker"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while _statuses(database) != [NoticeStatus.SKIPPED] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _statuses(database) == [NoticeStatus.SKIPPED]
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0
    assert "Dispatcher stopped" in out
    database.dispose()


def _book_a_demo_consult(base: str) -> str:
    types = httpx.get(f"{base}/api/v1/clinic").json()["appointment_types"]
    consult = next(t for t in types if t["name"] == "Consultation")
    today = datetime.now(UTC).date()
    slots = httpx.get(
        f"{base}/api/v1/availability",
        params={"appointment_type_id": consult["id"], "start": str(today + timedelta(days=3)),
                "end": str(today + timedelta(days=12))},
    ).json()  # fmt: skip
    slot = slots["slots"][0]
    body = {
        "appointment_type_id": consult["id"], "location_id": slots["location_id"],
        "clinician_id": slot["clinician_id"], "starts_at": slot["starts_at"],
        "patient": {
            "given_name": "Robin", "family_name": "Hale", "date_of_birth": "1990-04-05",
            "phone": "+16175550199", "email": "robin@example.org", "email_consent": True,
        },
    }  # fmt: skip
    booked = httpx.post(f"{base}/api/v1/appointments", json=body)
    assert booked.status_code == 201, booked.text
    return str(booked.json()["appointment"]["id"])


def test_serve_dispatches_a_booked_consults_confirmation_by_itself(db_url: str) -> None:
    demo = clinic(db_url, "demo")
    assert demo.returncode == 0, demo.stderr
    found = re.search(r"front_desk\s+(\S+@demo\.clinic\.example)\s+(\S+)", demo.stdout)
    assert found is not None
    with serving(db_url, settings={"CLINIC_DISPATCH_INTERVAL_SECONDS": "1"}) as base:
        appointment_id = _book_a_demo_consult(base)
        login = httpx.post(
            f"{base}/api/v1/auth/login", json={"email": found[1], "password": found[2]}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        url = f"{base}/api/v1/appointments/{appointment_id}/notices"
        deadline, confirmation = time.monotonic() + 20, None
        while time.monotonic() < deadline:
            notices = httpx.get(url, headers=headers).json()
            confirmation = next(n for n in notices if n["kind"] == "confirmation")
            if confirmation["status"] == "sent":
                break
            time.sleep(0.3)
    assert confirmation is not None
    assert confirmation["status"] == "sent"
    assert "Harbor" in confirmation["subject"] + confirmation["text"]
