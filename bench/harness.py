"""The benchmark's plumbing, independent of any workload.

Figures (milliseconds, percentiles), keep-alive HTTP clients for loopback, fresh databases
(a SQLite file in a temporary directory, or a throwaway PostgreSQL database that is dropped
afterwards), the ``clinic`` CLI, server processes on free ports (``clinic serve`` and the
bare INSERT app from ``bench.bare_insert``), progress lines on stderr, the load average and
the exception types found in a server's output.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.cpu import processes, started_at
from core.db import normalise_url

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2

# --------------------------------------------------------------------------- figures


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "median_ms": ms(statistics.median(seconds)),
        "p95_ms": ms(percentile(seconds, 95)),
        "max_ms": ms(max(seconds)),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_TLS: list[ssl.SSLContext] = []


def client(base: str, headers: dict[str, str] | None = None) -> httpx.Client:
    """A keep-alive client for loopback: no proxies from the environment, and one shared TLS
    context (building one per client costs tens of milliseconds, and loopback is plain HTTP)."""
    if not _TLS:
        _TLS.append(ssl.create_default_context())
    return httpx.Client(
        base_url=base, headers=headers or {}, timeout=120, verify=_TLS[0], trust_env=False
    )


def problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "not_json"
    return str(body.get("code", "?")) if isinstance(body, dict) else "?"


# --------------------------------------------------------------------------- databases


@contextmanager
def fresh_database(backend: str, postgres_url: str) -> Iterator[str]:
    """An empty database URL; the SQLite file or the PostgreSQL database goes afterwards."""
    name = f"bench_booking_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-booking-"))
        try:
            yield f"sqlite:///{folder / name}.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalise_url(postgres_url)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def clinic_cli(db_url: str, *args: str, **env: str) -> None:
    environment = os.environ | {"CLINIC_DATABASE_URL": db_url} | env
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "booking.cli", *args],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"clinic {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


# --------------------------------------------------------------------------- servers


class Server:
    """A server process on loopback, started at once; ``ready()`` waits for GET /health."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                [*command, "--port", str(self.port)],
                env=os.environ | env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def ready(self) -> str:
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not come up:\n{self.log.read_text()[-3000:]}")
            try:
                with client(self.base) as http:
                    if http.get("/health", timeout=1).status_code == 200:
                        return self.base
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server, then any of its worker processes that outlived it (by pid)."""
        workers = {
            pid: started_at(pid)
            for pid, (parent, _, _) in processes().items()
            if parent == self.process.pid
        }
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid, born in workers.items():
            if born is not None and started_at(pid) == born:  # the same process, not a reuse
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def clinic_serve(db_url: str, log: Path) -> Server:
    """`clinic serve` as tests/servers.py starts it, with two workers."""
    command = [sys.executable, "-m", "booking.cli", "serve", "--workers", str(WORKERS),
               "--log-level", "warning"]  # fmt: skip
    env = {"CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": "bench-only"}
    env["CLINIC_BOOKING_RATE_PER_CLIENT"] = "100000/minute"  # racers share one address
    return Server("clinic serve", command, env, log)


def bare_serve(db_url: str, log: Path) -> Server:
    """The bare INSERT app, served the way `clinic serve` serves the product."""
    command = [sys.executable, "-m", "uvicorn", "bench.bare_insert:app",
               "--workers", str(WORKERS), "--http", "httptools", "--loop", "uvloop",
               "--log-level", "warning"]  # fmt: skip
    return Server("bare insert", command, {"BENCH_DATABASE_URL": db_url}, log)


_ERROR_LINE = re.compile(
    r"^(unhandled \w+ on \S+ \S+|[A-Za-z_][\w.]*(?:Error|Exception|Detected|Violation|Failure))\b"
)


def log_errors(log: Path) -> dict[str, int]:
    """Exception types and the product's "unhandled ..." lines found in a server's output."""
    found = Counter[str]()
    for line in log.read_text(errors="replace").splitlines():
        if match := _ERROR_LINE.match(line):
            found[match.group(1)] += 1
    return dict(found)


# --------------------------------------------------------------------------- progress


class Stopwatch:
    """Progress lines on stderr, so stdout stays the table and the JSON."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = self.last = time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        print(f"[{self.label}] {what} ({now - self.last:.1f} s)", file=sys.stderr, flush=True)
        self.last = now
