"""Dispatch throughput: 10,000 due notices through two worker processes on PostgreSQL to
the fake Twilio (its own process), rate limit off, beside a bare loop of twilio SDK
``messages.create`` calls against the same fake in the same run.

    .venv/bin/python -m bench.dispatch [--notices 10000] [--workers 2] [--batch 100]
                                       [--bare 2000] [--postgres-url URL]

The notices are planned with ``scheduler.planning.plan`` from plain facts (one consult per
patient, booked at a fixed 10:00 in New York so quiet hours never defer a text; each
patient's own number, so a message names its notice); the workers are
``tests/scheduler/worker_process.py`` (the real channel, SDK and renderer; ``clinic worker``
once it is on main). Duplicates and losses are counted from what the fake received.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bench.harness import ROOT, Stopwatch, client, free_port, fresh_database, load_average
from core import migrations
from core.db import Database
from notifications.channels.base import ChannelKind
from scheduler import planning
from scheduler.facts import AppointmentFacts, Change
from scheduler.models import Notice, NoticeStatus

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # Thursday, 10:00 in New York
ACCOUNT_SID, AUTH_TOKEN = "AC" + "0" * 32, "fake-auth-token"  # tests/fakes/twilio.py's
BARE_TO, FROM = "+12025550100", "+16175550199"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--bare", type=int, default=2_000, help="bare SDK calls")
    parser.add_argument("--postgres-url")
    return parser.parse_args()


# --------------------------------------------------------------------------- the fake


def start_fake() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "tests.fakes.twilio", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own fake, fixed arguments
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with client(base) as http:
                if http.get("/_fake/messages", timeout=1).status_code == 200:
                    return process, base
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the fake Twilio did not come up")


def received(base: str) -> list[tuple[str, str]]:
    with client(base) as http:
        listed = http.get("/_fake/messages").json()["messages"]
    return [(str(m["to"]), str(m["body"])) for m in listed]


class _Rebased(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's own HTTP client, sent to the fake instead of api.twilio.com."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self._base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        url = url.replace("https://api.twilio.com", self._base, 1)
        return super().request(method, url, *args, **kwargs)


def bare_loop(base: str, calls: int) -> float:
    """Messages per second of the SDK alone, one thread, one keep-alive connection."""
    sdk = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=_Rebased(base))
    sdk.messages.create(to=BARE_TO, from_=FROM, body="warm-up")
    started = time.perf_counter()
    for n in range(calls):
        sdk.messages.create(to=BARE_TO, from_=FROM, body=f"bare {n}")
    return calls / (time.perf_counter() - started)


# --------------------------------------------------------------------------- the outbox


def consult(n: int) -> AppointmentFacts:
    starts = NOW + timedelta(days=10, minutes=30 * (n % 16))
    return AppointmentFacts(
        appointment_id=uuid.uuid4(), change=Change.BOOKED, status="booked", kind="consult",
        starts_at=starts, ends_at=starts + timedelta(hours=1), zone="America/New_York",
        patient_id=uuid.uuid4(), sequence=1, patient_name="Ada",
        patient_phone=f"+1617{n:07d}", sms_consent=True, location_name="Back Bay",
        location_address="1 Main St", location_phone="+16175550100", visit_name="Consultation",
        manage_path=f"/m/{n}",
    )  # fmt: skip


def seed(database: Database, count: int) -> int:
    """Plan ``count`` bookings (their confirmations are due now); returns the due notices."""
    for start in range(0, count, 1000):
        with database.session() as session:
            for n in range(start, min(start + 1000, count)):
                planning.plan(session, consult(n), now=NOW)
    with database.session(write=False) as session:
        due = Notice.status == NoticeStatus.PENDING, Notice.due_at <= NOW
        return len(session.scalars(select(Notice.id).where(*due)).all())


def run_workers(db_url: str, base: str, workers: int, batch: int) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "tests.scheduler.worker_process", "--db", db_url,
               "--twilio", base, "--now", NOW.isoformat(), "--batch", str(batch),
               "--exit-when-idle"]  # fmt: skip
    processes = []
    for n in range(workers):
        process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
            [*command, "--worker-id", f"w{n + 1}"], cwd=ROOT, env=os.environ,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        processes.append(process)
    totals = []
    for process in processes:
        output, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.returncode})")
        totals.append(json.loads(output.strip().splitlines()[-1]))
    return totals


def audit(database: Database, messages: list[tuple[str, str]]) -> dict[str, int]:
    """Duplicates and losses, by notice: a message is its notice's (recipient, text)."""
    with database.session(write=False) as session:
        sms = list(session.scalars(select(Notice).where(Notice.channel == ChannelKind.SMS)))
    due = [r for r in sms if r.due_at <= NOW]
    sent = {(r.recipient, r.text): r.key for r in due if r.status is NoticeStatus.SENT}
    counts = Counter(sent[m] for m in messages if m in sent)
    return {
        "due": len(due),
        "received": sum(counts.values()),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "losses": len(due) - len(counts),  # never received, whatever the outbox says
        "not_sent_in_outbox": sum(r.status is not NoticeStatus.SENT for r in due),
        "stray": sum(m not in sent and m[0] != BARE_TO for m in messages),
    }


# --------------------------------------------------------------------------- report


def figures(totals: list[dict[str, Any]], bare: float, audited: dict[str, int]) -> dict[str, Any]:
    per_process = [
        {
            "worker": t["worker"],
            "sent": t["report"]["sent"],
            "seconds": round(t["ended"] - t["started"], 2),
            "per_second": round(t["report"]["sent"] / (t["ended"] - t["started"]), 1),
            "maxrss_mib": round(t["maxrss_kib"] / 1024, 1),
        }
        for t in totals
    ]
    window = max(t["ended"] for t in totals) - min(t["started"] for t in totals)
    sent = sum(t["report"]["sent"] for t in totals)
    return {
        "bare_sdk_per_second": round(bare, 1),
        "workers": per_process,
        "combined_per_second": round(sent / window, 1),
        "per_process_over_bare": [round(w["per_second"] / bare, 2) for w in per_process],
        "target_per_process_over_bare": 0.5,
        **audited,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{'bare SDK loop (1 thread)':<34}{result['bare_sdk_per_second']:>10} msg/s",
        *(
            f"{'worker ' + w['worker']:<34}{w['per_second']:>10} msg/s  "
            f"({w['sent']} in {w['seconds']} s, peak RSS {w['maxrss_mib']} MiB, "
            f"{w['per_second'] / result['bare_sdk_per_second']:.2f} of bare)"
            for w in result["workers"]
        ),
        f"{'workers combined':<34}{result['combined_per_second']:>10} msg/s",
        f"{'due notices / received':<34}{result['due']:>10} / {result['received']}",
        f"{'duplicates':<34}{result['duplicates']:>10}",
        f"{'losses':<34}{result['losses']:>10}",
    ]
    return "\n".join(lines)


def main() -> None:
    args = arguments()
    url = args.postgres_url or os.environ.get("CLINIC_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    step = Stopwatch("dispatch")
    fake, base = start_fake()
    load_before = load_average()
    try:
        with fresh_database("postgresql", url) as db_url:
            database = Database.from_url(db_url)
            migrations.upgrade(database.engine)
            due = seed(database, args.notices)
            step(f"planned {args.notices} bookings, {due} notices due")
            bare = bare_loop(base, args.bare)
            step(f"bare SDK loop: {bare:.0f} msg/s")
            totals = run_workers(db_url, base, args.workers, args.batch)
            step("workers done")
            audited = audit(database, received(base))
            database.dispose()
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    result = figures(totals, bare, audited)
    result |= {"notices": args.notices, "batch": args.batch, "rate_limit": None,
               "load_average": {"before": load_before, "after": load_average()}}  # fmt: skip
    print(table(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
