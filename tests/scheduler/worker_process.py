"""A dispatcher process for the reliability tests and bench/dispatch.py: loops
``dispatch_once`` with the real Twilio channel (the SDK, at ``--twilio``), SMTP when
``--smtp`` is given, and the real renderer.

    python -m tests.scheduler.worker_process --db URL --twilio URL --now ISO [--exit-when-idle]

Test-only: once ``clinic worker`` is on main, the tests should run that instead. Its clock
starts at ``--now`` and moves with the monotonic clock, so the outbox's frozen test instants
are due and leases still expire. With ``--exit-when-idle`` it stops after a pass that
claimed nothing and prints one JSON line: what it did and its peak memory (ru_maxrss, KiB).
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import as_utc
from core.db import Database
from notifications.channels.base import Channel, ChannelKind
from scheduler.dispatch import DispatchReport, DispatchSettings, dispatch_once
from tests.scheduler.reliability_helpers import render_notice, smtp_email, twilio_sms


class MovingClock:
    """``start`` now, then as much later as the monotonic clock has moved since."""

    def __init__(self, start: datetime) -> None:
        self._start, self._origin = as_utc(start), time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


@dataclass
class Totals:
    worker: str
    passes: int = 0
    report: dict[str, int] = field(default_factory=dict)
    started: float = 0.0  # time.monotonic(): comparable across processes on one machine
    ended: float = 0.0
    maxrss_kib: int = 0

    def add(self, report: DispatchReport) -> None:
        self.passes += 1
        for name, value in vars(report).items():
            self.report[name] = self.report.get(name, 0) + value


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--twilio", required=True, help="the fake Twilio's base URL")
    parser.add_argument("--smtp", help="host:port of an SMTP server")
    parser.add_argument("--now", required=True, type=datetime.fromisoformat)
    parser.add_argument("--worker-id", default="worker")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lease-seconds", type=float, default=300)
    parser.add_argument("--idle-sleep", type=float, default=0.05)
    parser.add_argument("--exit-when-idle", action="store_true")
    return parser.parse_args()


def channels(args: argparse.Namespace) -> dict[ChannelKind, Channel]:
    found: dict[ChannelKind, Channel] = {ChannelKind.SMS: twilio_sms(args.twilio)}
    if args.smtp:
        host, port = args.smtp.rsplit(":", 1)
        found[ChannelKind.EMAIL] = smtp_email(host, int(port))
    return found


def main() -> None:
    args = arguments()
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    database = Database.from_url(args.db)
    clock, sending = MovingClock(args.now), channels(args)
    settings = DispatchSettings(lease=timedelta(seconds=args.lease_seconds))
    totals = Totals(worker=args.worker_id, started=time.monotonic())
    options: dict[str, Any] = {"batch": args.batch, "worker_id": args.worker_id}
    while not stopping:
        report = dispatch_once(
            database, channels=sending, renderer=render_notice, clock=clock,
            settings=settings, **options,
        )  # fmt: skip
        totals.add(report)
        if not report.claimed:
            if args.exit_when_idle:
                break
            time.sleep(args.idle_sleep)
    totals.ended = time.monotonic()
    totals.maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    database.dispose()
    print(json.dumps(asdict(totals)), flush=True)


if __name__ == "__main__":
    main()
