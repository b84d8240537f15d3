"""The dispatcher's timer: an APScheduler 3.11 BackgroundScheduler with one interval job.

A timer only (memory job store, ``max_instances=1``, ``coalesce=True``): correctness lives
in the outbox's leases, so several processes may each run one. Whoever owns the process
(``clinic serve``, ``clinic worker``) starts and stops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from core.clock import Clock

log = logging.getLogger("clinic.scheduler")
JOB_ID = "dispatch"


class DispatchRunner:
    """Calls ``run_once`` every ``interval`` on a background thread, one pass at a time."""

    def __init__(self, run_once: Callable[[], Any], *, interval: timedelta, clock: Clock) -> None:
        self._run_once = run_once
        self._interval = interval
        self._clock = clock
        self._scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    def _tick(self) -> None:
        try:
            self._run_once()
        except Exception:  # the next tick tries again; the outbox keeps every notice
            log.exception("dispatch pass failed")

    def start(self) -> None:
        self._scheduler.add_job(
            self._tick, "interval", seconds=self._interval.total_seconds(), id=JOB_ID,
            next_run_time=self._clock.now(), replace_existing=True,
        )  # fmt: skip
        self._scheduler.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop the timer; with ``wait`` the pass in progress finishes first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)
