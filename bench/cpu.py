"""CPU metering from /proc (Linux).

While a load runs: the CPU of the server's process tree, of every PostgreSQL process and of
this process (the load generator), how the server's workers shared it, and how busy the whole
machine was. ``processes`` and ``started_at`` also let ``bench.harness`` find a server's
workers when it stops one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path


def processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        found[int(stat.parent.name)] = (int(fields[1]), name, cpu)
    return found


def started_at(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (None once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(raw[raw.rindex(")") + 2 :].split()[19])


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_tree(procs: dict[int, tuple[int, str, float]], root: int) -> set[int]:
    """``root`` and every process descended from it."""
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, (parent, _, _) in procs.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


@dataclass(frozen=True)
class CpuUse:
    seconds: dict[str, float]  # server (its process tree), postgres (every backend), client
    workers: list[float]  # CPU seconds of each server worker, busiest first
    machine_busy: float  # share of all CPUs busy (anything on the machine)


class CpuMeter:
    """CPU used while a load runs, from /proc (Linux): the server's process tree, every
    PostgreSQL process, this process (the load generator), and how busy the whole machine was."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.procs = processes()
        self.machine = machine_jiffies()
        self.client = time.process_time()

    def stop(self) -> CpuUse:
        """CPU seconds by owner since the start, and the machine's busy share meanwhile."""
        client = time.process_time() - self.client
        busy, total = machine_jiffies()
        procs = processes()
        tree = process_tree(procs, self.server_pid)

        def spent(pid: int) -> float:  # a process born meanwhile counts from zero
            before = self.procs.get(pid)
            return procs[pid][2] - (before[2] if before and before[1] == procs[pid][1] else 0.0)

        cpu = {
            "server": sum(spent(pid) for pid in tree if pid in procs),
            "postgres": sum(
                spent(pid) for pid, (_, name, _) in procs.items() if name == "postgres"
            ),
            "client": client,
        }
        # uvicorn's workers: how evenly did the kernel spread the keep-alive connections?
        workers = [spent(pid) for pid, (parent, _, _) in procs.items() if parent == self.server_pid]
        workers = sorted((w for w in workers if w > 0.01), reverse=True)
        machine = (busy - self.machine[0]) / max(total - self.machine[1], 1)
        return CpuUse(cpu, workers, machine)
