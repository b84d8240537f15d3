"""Run the real product as separate processes: the `clinic` CLI and `clinic serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx2 as httpx

CLINIC = [sys.executable, "-m", "booking.cli"]
ROOT = Path(__file__).resolve().parents[1]
UNLIMITED = {"CLINIC_BOOKING_RATE_PER_CLIENT": "100000/minute"}


def clinic(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"CLINIC_DATABASE_URL": db_url} | env
    return subprocess.run(
        [*CLINIC, *args], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    db_url: str,
    *,
    workers: int = 1,
    log: Path | None = None,
    log_level: str = "warning",
    settings: dict[str, str] | None = None,
) -> Iterator[str]:
    """`clinic serve` on a free loopback port; yields its base URL once /health answers.
    With ``log``, the server's output (both streams) is written there; ``settings`` are
    extra environment variables."""
    port = free_port()
    env = os.environ | {"CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": "test-only"}
    env |= UNLIMITED  # races fire dozens of anonymous bookings from one loopback address
    env |= settings or {}
    command = [*CLINIC, "serve", "--port", str(port), "--workers", str(workers)]
    output: IO[str] | int = log.open("w") if log else subprocess.DEVNULL
    server = subprocess.Popen(
        [*command, "--log-level", log_level], env=env, cwd=ROOT,
        stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("clinic serve did not come up")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
        if not isinstance(output, int):
            output.close()
