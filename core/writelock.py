"""First-come, first-served locks that threads and event-loop tasks queue for together.

SQLite lets one writer in at a time; left to itself, every other writer sleeps in SQLite's
busy handler and retries at random, so a burst is served in no order and the unlucky ones
run out of time. Queuing here instead hands the lock to the longest waiter the moment it
is let go. ``threading.Lock`` makes no such promise, and a thread blocked on it holds a
worker thread that the holder may need: event-loop callers therefore wait as tasks. The
same line with several permits keeps a burst of requests from taking every worker thread
while they wait for a pooled connection or a row lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Waiter:
    event: threading.Event | None = None
    future: asyncio.Future[None] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    granted: bool = field(default=False)

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
        elif self.loop is not None and self.future is not None:
            self.loop.call_soon_threadsafe(_settle, self.future)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class FairSemaphore:
    """``permits`` holders at once, the rest served in arrival order. Not reentrant; any
    thread may release (a unit of work can begin in one worker thread and end in another).
    With one permit it is the write lock."""

    def __init__(self, permits: int = 1) -> None:
        self._mutex = threading.Lock()
        self._permits = permits
        self._free = permits
        self._queue: deque[_Waiter] = deque()

    def _join(self, waiter: _Waiter) -> bool:
        """Take a permit if one is free; else queue. True if taken."""
        with self._mutex:
            if self._free:
                self._free -= 1
                return True
            self._queue.append(waiter)
            return False

    def _leave(self, waiter: _Waiter) -> bool:
        """Give up waiting; True if a permit was handed over meanwhile (it is ours)."""
        with self._mutex:
            if waiter.granted:
                return True
            self._queue.remove(waiter)
            return False

    def acquire(self, timeout: float) -> bool:
        event = threading.Event()
        waiter = _Waiter(event=event)
        if self._join(waiter):
            return True
        return event.wait(timeout) or self._leave(waiter)

    async def acquire_async(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = _Waiter(future=future, loop=loop)
        if self._join(waiter):
            return True
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return self._leave(waiter)
        except asyncio.CancelledError:  # the client went away while queued
            if self._leave(waiter):
                self.release()
            raise
        return True

    def release(self) -> None:
        with self._mutex:
            if self._free == self._permits:
                raise RuntimeError("release of a permit nobody holds")
            if not self._queue:
                self._free += 1
                return
            waiter = self._queue.popleft()
            waiter.granted = True  # handed over: it never looks free in between
        waiter.wake()

    @property
    def waiting(self) -> int:
        return len(self._queue)


WriteLock = FairSemaphore
