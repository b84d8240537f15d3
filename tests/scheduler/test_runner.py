"""The runner is a timer: it calls the pass, one at a time, survives a failing pass, stops."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from core.clock import SystemClock
from scheduler.runner import DispatchRunner


def test_the_runner_calls_the_pass_repeatedly_never_overlapping_and_stops() -> None:
    calls: list[float] = []
    active = threading.Semaphore(1)
    overlapped = threading.Event()
    third = threading.Event()

    def run_once() -> None:
        if not active.acquire(blocking=False):
            overlapped.set()
            return
        try:
            calls.append(time.monotonic())
            if len(calls) == 1:
                raise RuntimeError("a failing pass does not stop the timer")
            if len(calls) >= 3:
                third.set()
            time.sleep(0.05)  # longer than the interval: max_instances keeps it single
        finally:
            active.release()

    runner = DispatchRunner(run_once, interval=timedelta(seconds=0.02), clock=SystemClock())
    runner.start()
    try:
        assert third.wait(timeout=10)
    finally:
        runner.stop()
    assert not runner.running
    count = len(calls)
    time.sleep(0.1)
    assert len(calls) == count  # stopped means stopped
    assert not overlapped.is_set()
