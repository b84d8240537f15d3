"""The write lock serves waiters in arrival order, threads and event-loop tasks alike."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from core.writelock import FairSemaphore, WriteLock


def _wait_for_queue(lock: WriteLock, length: int) -> None:
    deadline = time.monotonic() + 5
    while lock.waiting < length:
        assert time.monotonic() < deadline, "waiters never queued"
        time.sleep(0.001)


def test_threads_get_the_lock_in_the_order_they_asked() -> None:
    lock = WriteLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []

    def writer(n: int) -> None:
        assert lock.acquire(timeout=5)
        order.append(n)
        lock.release()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_for_queue(lock, n + 1)  # each one queued before the next arrives
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == list(range(8))


def test_a_wait_that_runs_out_leaves_the_line() -> None:
    lock = WriteLock()
    assert lock.acquire(timeout=1)
    assert not lock.acquire(timeout=0.01)
    assert lock.waiting == 0
    lock.release()
    assert lock.acquire(timeout=0)  # free again: nobody is left holding it


def test_tasks_and_threads_share_one_line() -> None:
    lock = WriteLock()
    assert lock.acquire(timeout=1)
    order: list[str] = []

    async def main() -> None:
        task = asyncio.create_task(lock.acquire_async(timeout=5))
        while lock.waiting < 1:
            await asyncio.sleep(0.001)

        def writer() -> None:
            assert lock.acquire(timeout=5)
            order.append("thread")
            lock.release()

        thread = threading.Thread(target=writer)
        thread.start()
        while lock.waiting < 2:
            await asyncio.sleep(0.001)
        lock.release()  # to the task, which came first
        assert await task
        order.append("task")
        lock.release()
        await asyncio.to_thread(thread.join, 5)

    asyncio.run(main())
    assert order == ["task", "thread"]


def test_a_task_that_times_out_or_is_cancelled_holds_nothing() -> None:
    lock = WriteLock()
    assert lock.acquire(timeout=1)

    async def main() -> None:
        assert not await lock.acquire_async(timeout=0.01)
        task = asyncio.create_task(lock.acquire_async(timeout=5))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert lock.waiting == 0
    lock.release()
    assert lock.acquire(timeout=0)


def test_releasing_a_free_lock_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        WriteLock().release()


def test_a_semaphore_lends_its_permits_then_queues() -> None:
    line = FairSemaphore(2)
    assert line.acquire(timeout=0)
    assert line.acquire(timeout=0)
    assert not line.acquire(timeout=0.01)
    line.release()
    assert line.acquire(timeout=0)
    line.release()
    line.release()
    with pytest.raises(RuntimeError):
        line.release()
