"""``clinic dispatch --once`` and ``clinic worker`` as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core import migrations
from core.db import Database
from notifications.channels.base import ChannelKind
from scheduler.models import Notice, NoticeStatus
from tests.scheduler.dispatch_helpers import add_notice
from tests.servers import CLINIC, ROOT, clinic


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
