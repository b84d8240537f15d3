"""Booking workload against a real ``clinic serve --workers 2`` on loopback.

    .venv/bin/python -m bench.booking [--db sqlite|postgresql|both] [--quick]

On each database (a fresh SQLite file, or a throwaway PostgreSQL database that is dropped
afterwards), migrated with ``clinic db upgrade``:

1. seed: one New York location, 10 clinicians, 8 treatment chairs and a consult room
   (through the API), then 3,000 booked appointments over the next 30 days, bulk-inserted
   in-process as Appointment + Occupancy rows built by ``occupancy.rows_for`` and placed
   with the same no-overlap rule as the exclusion constraint (checked again afterwards);
2. availability: HTTP GET /api/v1/availability for the IV type over 30 days (median, p95),
   then the split measured in-process: load_query, find_slots, building the response model,
   model_dump_json, GC pauses, and the bare read of the same occupancy rows (raw SQL);
3. booking throughput: 16 threads, each with its own keep-alive client, book distinct,
   mutually compatible slots taken from GET availability, with CPU per booking by process
   (from /proc); then the same load against a bare INSERT + commit endpoint
   (``bench.bare_insert``) served the same way;
4. contention: 64 concurrent public bookings of one slot; exactly one may win.

Prints a table per database, then one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx
from sqlalchemy import (
    Uuid,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from bench.bare_insert import metadata as bare_metadata
from booking import availability as av
from booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Location,
    Occupancy,
    Role,
)
from booking.schemas.appointments import AvailabilityOut, BookingIn, SlotOut
from booking.schemas.staff import StaffUserIn
from booking.services import appointments, occupancy
from booking.services.context import Actor, Context
from booking.services.placement import place
from booking.services.slots import load_query
from booking.services.staff import create_user
from core.clock import SystemClock
from core.db import Database, normalise_url
from core.tokens import hash_token, new_token
from core.types import UTCDateTime

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ZONE = ZoneInfo("America/New_York")
WORKERS = 2
CLIENTS = 16
RACERS = 64
CLINICIANS = 10
CHAIRS = 8
SEED_APPOINTMENTS = 3_000
WINDOW_DAYS = 30
AVAILABILITY_TARGET_MS = 50.0
BOOKING_TARGET_PER_S = 150.0
ADMIN_EMAIL = "bench-admin@clinic.example"
ADMIN_PASSWORD = "bench-only password, not a secret"  # noqa: S105
ESCORT = {"name": "Riley Escort", "phone": "+16175550199"}
IV_SEED_STARTS = (8, 10, 12, 14)  # local hours of the seeded treatments on chairs 1-6
IV_SEED_CHAIRS = 6  # chairs 7 and 8 stay free for the throughput run

_clock = SystemClock()


@dataclass(frozen=True)
class Profile:
    availability_requests: int
    split_repeats: int
    bookings: int
    bare_requests: int


FULL = Profile(availability_requests=30, split_repeats=20, bookings=400, bare_requests=1_200)
QUICK = Profile(availability_requests=10, split_repeats=5, bookings=120, bare_requests=300)


# --------------------------------------------------------------------------- small helpers


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, wall_time(hour, minute), ZONE).astimezone(UTC)


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
        procs = CpuMeter.processes()
        workers = {
            pid: started_at(pid)
            for pid, (parent, _, _) in procs.items()
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


def started_at(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (None once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(raw[raw.rindex(")") + 2 :].split()[19])


def clinic_serve(db_url: str, log: Path) -> Server:
    """`clinic serve` as tests/servers.py starts it, with two workers."""
    command = [sys.executable, "-m", "booking.cli", "serve", "--workers", str(WORKERS),
               "--log-level", "warning"]  # fmt: skip
    env = {"CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": "bench-only"}
    return Server("clinic serve", command, env, log)


def bare_serve(db_url: str, log: Path) -> Server:
    """The bare INSERT app, served the way `clinic serve` serves the product."""
    command = [sys.executable, "-m", "uvicorn", "bench.bare_insert:app",
               "--workers", str(WORKERS), "--http", "httptools", "--loop", "uvloop",
               "--log-level", "warning"]  # fmt: skip
    return Server("bare insert", command, {"BENCH_DATABASE_URL": db_url}, log)


# --------------------------------------------------------------------------- clinic setup


@dataclass(frozen=True)
class Clinic:
    location_id: uuid.UUID
    iv_type_id: uuid.UUID
    consult_type_id: uuid.UUID
    clinician_ids: list[uuid.UUID]
    chair_ids: list[uuid.UUID]
    patient_ids: list[uuid.UUID]
    headers: dict[str, str]


def staff_headers(base: str) -> dict[str, str]:
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    with client(base) as http:
        response = http.post("/api/v1/auth/login", json=login)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def set_up_clinic(base: str) -> Clinic:
    """Everything but the appointments, through the API as an administrator would."""
    headers = staff_headers(base)
    with client(base, headers) as http:

        def post(path: str, body: dict[str, Any]) -> uuid.UUID:
            response = http.post(path, json=body)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
            return uuid.UUID(response.json()["id"])

        location = post("/api/v1/locations", {"name": "Bench Harbor", "timezone": ZONE.key})
        iv = post("/api/v1/appointment-types", {
            "name": "IV infusion", "public_name": "Clinic session", "kind": "iv_infusion",
            "clinician_minutes": 60, "room_kind": "treatment_chair", "room_minutes": 120,
            "online_bookable": False, "requires_consult": True, "requires_consent": True,
            "requires_escort": True, "max_starts_per_window": 1, "start_window_minutes": 30,
        })  # fmt: skip
        consult = post("/api/v1/appointment-types", {
            "name": "Online consult", "public_name": "Consultation", "kind": "consult",
            "clinician_minutes": 30, "room_minutes": 0, "online_bookable": True,
        })  # fmt: skip
        types = [str(iv), str(consult)]
        clinicians = [
            post("/api/v1/clinicians", {"name": f"Dr Bench {n:02d}", "credentials": "MD",
                                        "appointment_type_ids": types})
            for n in range(1, CLINICIANS + 1)
        ]  # fmt: skip
        chairs = [
            post("/api/v1/rooms", {"location_id": str(location), "name": f"Chair {n}",
                                   "kind": "treatment_chair"})
            for n in range(1, CHAIRS + 1)
        ]  # fmt: skip
        room = {"location_id": str(location), "name": "Consult room", "kind": "consult_room"}
        post("/api/v1/rooms", room)
        for clinician in clinicians:
            for weekday in range(5):
                post(f"/api/v1/clinicians/{clinician}/working-hours", {
                    "location_id": str(location), "weekday": weekday,
                    "start_time": "08:00", "end_time": "18:00",
                })  # fmt: skip
        patients = []
        for n in range(24):
            patient = post("/api/v1/patients", {
                "given_name": "Bench", "family_name": f"Patient{n:02d}",
                "date_of_birth": "1984-06-15", "phone": f"+1617555{n + 1000:04d}",
                "email": f"bench{n}@example.com",
            })  # fmt: skip
            for gate in ("consult_completed", "consent_signed"):
                response = http.post(f"/api/v1/patients/{patient}/gates", json={"gate": gate})
                if response.status_code != 200:
                    raise RuntimeError(f"gate {gate}: {response.status_code} {response.text}")
            patients.append(patient)
    return Clinic(location, iv, consult, clinicians, chairs, patients, headers)


# --------------------------------------------------------------------------- placement


class Ledger:
    """The exclusion constraint in memory: rows of one resource may not overlap unless they
    carry the same share key. Used to pick bookings that cannot collide with each other."""

    def __init__(self) -> None:
        self._rows: dict[tuple[uuid.UUID, int], list[tuple[datetime, datetime, str]]] = {}

    @staticmethod
    def _day(moment: datetime) -> int:
        return moment.toordinal()

    def take(self, rows: Sequence[Occupancy]) -> bool:
        """Record the rows and say True, or say False and record nothing."""
        for row in rows:
            first = self._day(row.starts_at) - 1  # rows are shorter than a day
            for day in range(first, self._day(row.ends_at) + 1):
                for start, end, key in self._rows.get((row.resource_id, day), ()):
                    if start < row.ends_at and row.starts_at < end and key != row.share_key:
                        return False
        for row in rows:
            bucket = self._rows.setdefault((row.resource_id, self._day(row.starts_at)), [])
            bucket.append((row.starts_at, row.ends_at, row.share_key))
        return True


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def count_overlaps(database: Database) -> int:
    """Pairs of occupancy rows that the exclusion constraint would refuse (must be 0)."""
    query = select(
        Occupancy.resource_id, Occupancy.starts_at, Occupancy.ends_at, Occupancy.share_key
    ).order_by(Occupancy.resource_id, Occupancy.starts_at)
    overlaps = 0
    resource: uuid.UUID | None = None
    open_rows: list[tuple[datetime, str]] = []
    with database.session(write=False) as session:
        for rid, start, end, key in session.execute(query):
            if rid != resource:
                resource, open_rows = rid, []
            open_rows = [(e, k) for e, k in open_rows if e > start]
            overlaps += sum(1 for _, k in open_rows if k != key)
            open_rows.append((end, key))
    return overlaps


def seed_appointments(
    database: Database, clinic: Clinic, first: date, last: date
) -> dict[str, Any]:
    """3,000 booked appointments, bulk-inserted with the product's own occupancy rows."""
    started = time.perf_counter()
    rng = random.Random(3000)
    now = _clock.now()
    ledger = Ledger()
    days = weekdays(first, last)
    ivs = [
        occupancy.Placement(local(day, hour), clinic.clinician_ids[c], chair)
        for day in days
        for c, chair in enumerate(clinic.chair_ids[:IV_SEED_CHAIRS])
        for hour in IV_SEED_STARTS
    ]
    consults = [
        occupancy.Placement(local(day, 8 + half // 2, 30 * (half % 2)), clinician, None)
        for day in days
        for clinician in clinic.clinician_ids
        for half in range(20)
    ]
    rng.shuffle(consults)
    appointments: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    kinds = Counter[str]()
    with database.session() as session:
        iv = session.get_one(AppointmentType, clinic.iv_type_id)
        consult = session.get_one(AppointmentType, clinic.consult_type_id)
        for kind, spot in [(iv, p) for p in ivs] + [(consult, p) for p in consults]:
            if len(appointments) == SEED_APPOINTMENTS:
                break
            appointment_id = uuid.uuid4()
            owned = occupancy.rows_for(kind, spot, appointment_id=appointment_id)
            if not ledger.take(owned):
                continue
            kinds[kind.kind.value] += 1
            ends_at = occupancy.session_end(kind, spot.starts_at)
            escort = kind.requires_escort
            appointments.append({
                "id": appointment_id, "appointment_type_id": kind.id,
                "patient_id": clinic.patient_ids[len(appointments) % len(clinic.patient_ids)],
                "location_id": clinic.location_id, "clinician_id": spot.clinician_id,
                "room_id": spot.room_id, "starts_at": spot.starts_at, "ends_at": ends_at,
                "status": AppointmentStatus.BOOKED, "sequence": 0,
                "escort_name": ESCORT["name"] if escort else None,
                "escort_phone": ESCORT["phone"] if escort else None,
                "gate_override_reason": None, "booked_by": "staff",
                "manage_token_hash": hash_token(new_token()),
                "manage_token_expires_at": ends_at + timedelta(days=7),
                "created_at": now, "updated_at": now, "late_cancel": False,
            })  # fmt: skip
            rows.extend(
                {
                    "id": uuid.uuid4(),
                    "resource_kind": row.resource_kind,
                    "resource_id": row.resource_id,
                    "starts_at": row.starts_at,
                    "ends_at": row.ends_at,
                    "session_start": row.session_start,
                    "share_key": row.share_key,
                    "expires_at": None,
                    "appointment_id": appointment_id,
                    "hold_id": None,
                }
                for row in owned
            )
        if len(appointments) < SEED_APPOINTMENTS:
            raise RuntimeError(f"only {len(appointments)} appointments fit in the window")
        session.execute(insert(Appointment), appointments)
        session.execute(insert(Occupancy), rows)
    return {
        "appointments": len(appointments),
        "by_kind": dict(kinds),
        "occupancy_rows": len(rows),
        "weekdays": len(days),
        "seconds": round(time.perf_counter() - started, 2),
    }


# --------------------------------------------------------------------------- availability


def measure_availability_http(
    base: str, clinic: Clinic, first: date, last: date, requests: int
) -> dict[str, Any]:
    params = {"appointment_type_id": str(clinic.iv_type_id),
              "start": first.isoformat(), "end": last.isoformat()}  # fmt: skip
    with client(base, clinic.headers) as http:
        for _ in range(3):  # warm the worker that owns this keep-alive connection
            warm = http.get("/api/v1/availability", params=params)
            warm.raise_for_status()
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = http.get("/api/v1/availability", params=params)
            times.append(time.perf_counter() - started)
            response.raise_for_status()
        health = []
        for _ in range(requests):
            started = time.perf_counter()
            http.get("/health").raise_for_status()
            health.append(time.perf_counter() - started)
    return {
        "requests": requests,
        **summary_ms(times),
        "slots": len(response.json()["slots"]),
        "response_bytes": len(response.content),
        "health_median_ms": ms(statistics.median(health)),
    }


BARE_READ = text(
    "SELECT resource_kind, resource_id, starts_at, ends_at, session_start, share_key "
    "FROM occupancy WHERE resource_id IN :ids AND starts_at < :until AND ends_at > :since "
    "AND (expires_at IS NULL OR expires_at > :now)"
).bindparams(
    bindparam("ids", expanding=True, type_=Uuid()),
    bindparam("until", type_=UTCDateTime()),
    bindparam("since", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
)


def typed_read(
    conn: Connection, ids: list[uuid.UUID], since: datetime, until: datetime, now: datetime
) -> int:
    """The same rows as load_query's busy read, with the product's column types (Core)."""
    query = select(
        Occupancy.resource_kind, Occupancy.resource_id, Occupancy.starts_at,
        Occupancy.ends_at, Occupancy.session_start, Occupancy.share_key,
    ).where(
        Occupancy.resource_id.in_(ids), Occupancy.starts_at < until, Occupancy.ends_at > since,
        or_(Occupancy.expires_at.is_(None), Occupancy.expires_at > now),
    )  # fmt: skip
    return len(conn.execute(query).fetchall())


class GcPauses:
    """Time spent in CPython's cyclic garbage collector while the block runs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)


def measure_split(
    database: Database, clinic: Clinic, first: date, last: date, repeats: int
) -> dict[str, Any]:
    """The request's parts, in-process on the same database (the server sits idle)."""
    names = ("total", "load_query", "find_slots", "build_response", "json_encode", "gc")
    phases: dict[str, list[float]] = {name: [] for name in names}
    bare: list[float] = []
    typed: list[float] = []
    rows = slots = encoded = 0
    for _ in range(repeats + 1):  # the first round warms caches and is dropped
        t0 = time.perf_counter()
        with GcPauses() as pauses, database.session(write=False) as session:
            ctx = Context(session=session, actor=Actor.system("bench"), now=_clock.now())
            kind = session.get_one(AppointmentType, clinic.iv_type_id)
            location = session.get_one(Location, clinic.location_id)
            t1 = time.perf_counter()
            query = load_query(
                ctx, location=location, kind=kind, first_day=first, last_day=last, staff=True
            )
            t2 = time.perf_counter()
            found = av.find_slots(query)
            t3 = time.perf_counter()
            zone = ZoneInfo(location.timezone)
            out = AvailabilityOut(
                appointment_type_id=kind.id, location_id=location.id, timezone=zone.key,
                slots=[SlotOut(starts_at=s.starts_at.astimezone(zone),
                               ends_at=s.ends_at.astimezone(zone),
                               clinician_id=s.clinician_id, room_id=s.room_id) for s in found],
            )  # fmt: skip
            t4 = time.perf_counter()
            body = out.model_dump_json()
            t5 = time.perf_counter()
        for name, spent in (("total", t5 - t0), ("load_query", t2 - t1), ("find_slots", t3 - t2),
                            ("build_response", t4 - t3), ("json_encode", t5 - t4),
                            ("gc", pauses.seconds)):  # fmt: skip
            phases[name].append(spent)
        slots, encoded = len(found), len(body)
        ids = [*query.clinician_ids, *(room.id for room in query.rooms)]
        since = datetime.combine(first, wall_time(), ZONE).astimezone(UTC) - timedelta(days=1)
        until = datetime.combine(last, wall_time(), ZONE).astimezone(UTC) + timedelta(days=2)
        now = _clock.now()
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))  # check the connection out before the clock starts
            t0 = time.perf_counter()
            fetched = conn.execute(
                BARE_READ, {"ids": ids, "until": until, "since": since, "now": now}
            ).fetchall()
            t1 = time.perf_counter()
            typed_read(conn, ids, since, until, now)
            t2 = time.perf_counter()
        bare.append(t1 - t0)
        typed.append(t2 - t1)
        rows = len(fetched)
    median = {name: ms(statistics.median(values[1:])) for name, values in phases.items()}
    return {
        "repeats": repeats,
        "load_query_ms": median["load_query"],
        "find_slots_ms": median["find_slots"],
        "build_response_ms": median["build_response"],
        "json_encode_ms": median["json_encode"],
        "in_process_total_ms": median["total"],
        "in_process_total_max_ms": ms(max(phases["total"][1:])),
        "gc_pause_ms": median["gc"],
        "gc_pause_max_ms": ms(max(phases["gc"][1:])),
        "bare_read_ms": ms(statistics.median(bare[1:])),
        "typed_read_ms": ms(statistics.median(typed[1:])),
        "bare_read_rows": rows,
        "slots": slots,
        "json_bytes": encoded,
    }


# --------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Job:
    path: str
    body: dict[str, Any]
    label: str


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    cpu: CpuUse
    latencies: list[float]
    statuses: Counter[int]
    errors: Counter[str]
    examples: list[str]

    def figures(self, ok: int) -> dict[str, Any]:
        done = self.statuses[ok]
        return {
            "requests": len(self.latencies),
            "succeeded": done,
            "seconds": round(self.seconds, 3),
            "per_s": round(done / self.seconds, 1),
            "p50_ms": ms(statistics.median(self.latencies)),
            "p95_ms": ms(percentile(self.latencies, 95)),
            "max_ms": ms(max(self.latencies)),
            "cpu_ms_per_request": {
                name: ms(seconds / len(self.latencies))
                for name, seconds in self.cpu.seconds.items()
            },
            "worker_cpu_shares": [round(w / sum(self.cpu.workers), 2) for w in self.cpu.workers],
            "machine_busy_share": round(self.cpu.machine_busy, 2),
            "errors": dict(self.errors),
            "error_examples": self.examples,
        }


class CpuMeter:
    """CPU used while a load runs, from /proc (Linux): the server's process tree, every
    PostgreSQL process, this process (the load generator), and how busy the whole machine was."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.procs = self.processes()
        self.machine = self._machine()
        self.client = time.process_time()

    @staticmethod
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

    @staticmethod
    def _machine() -> tuple[int, int]:
        """(busy, total) jiffies of all CPUs since boot."""
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def stop(self) -> CpuUse:
        """CPU seconds by owner since the start, and the machine's busy share meanwhile."""
        client = time.process_time() - self.client
        busy, total = self._machine()
        procs = self.processes()
        tree, grew = {self.server_pid}, True
        while grew:
            children = {pid for pid, (parent, _, _) in procs.items() if parent in tree} - tree
            tree |= children
            grew = bool(children)

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


@dataclass(frozen=True)
class CpuUse:
    seconds: dict[str, float]  # server (its process tree), postgres (every backend), client
    workers: list[float]  # CPU seconds of each server worker, busiest first
    machine_busy: float  # share of all CPUs busy (anything on the machine)


def hammer(
    base: str, headers: dict[str, str], jobs: Sequence[Job], clients: int, server_pid: int
) -> LoadResult:
    """``clients`` threads, each with its own keep-alive connection, drain one job queue."""
    queue = deque(jobs)
    barrier = threading.Barrier(clients + 1, timeout=120)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses = Counter[int]()
    errors = Counter[str]()
    examples: list[str] = []

    def drive() -> None:
        mine: list[tuple[float, int, str, str]] = []
        with client(base, headers) as http:
            http.get("/health")  # open the connection before the clock starts
            barrier.wait()
            while True:
                try:
                    job = queue.popleft()
                except IndexError:
                    break
                started = time.perf_counter()
                try:
                    response = http.post(job.path, json=job.body)
                except httpx.TransportError as exc:  # counted, not fatal: the run goes on
                    mine.append((time.perf_counter() - started, 0, type(exc).__name__, ""))
                    continue
                spent = time.perf_counter() - started
                code = problem_code(response) if response.status_code >= 400 else ""
                text_ = response.text[:300] if code else ""
                mine.append((spent, response.status_code, code, text_))
        with lock:
            for spent, status, code, text_ in mine:
                latencies.append(spent)
                statuses[status] += 1
                if code:
                    errors[f"{status} {code}"] += 1
                    if len(examples) < 3:
                        examples.append(text_)

    threads = [threading.Thread(target=drive) for _ in range(clients)]
    for thread in threads:
        thread.start()
    meter = CpuMeter(server_pid)
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(seconds, meter.stop(), latencies, statuses, errors, examples)


@dataclass(frozen=True)
class Candidate:
    kind: AppointmentType
    spot: occupancy.Placement


def candidates_from_availability(
    http: httpx.Client, clinic: Clinic, kind: AppointmentType, first: date, last: date
) -> list[Candidate]:
    """Every start GET /availability offers, asked clinician by clinician."""
    found = []
    for clinician in clinic.clinician_ids:
        response = http.get("/api/v1/availability", params={
            "appointment_type_id": str(kind.id), "start": first.isoformat(),
            "end": last.isoformat(), "clinician_id": str(clinician),
        })  # fmt: skip
        response.raise_for_status()
        for slot in response.json()["slots"]:
            room = uuid.UUID(slot["room_id"]) if slot["room_id"] else None
            starts_at = datetime.fromisoformat(slot["starts_at"]).astimezone(UTC)
            found.append(Candidate(kind, occupancy.Placement(starts_at, clinician, room)))
    return found


def plan_bookings(
    base: str, database: Database, clinic: Clinic, first: date, last: date, count: int
) -> tuple[list[Job], Candidate]:
    """``count`` bookings that are free now and cannot collide with each other (half IV,
    half consults where the chairs allow), plus one more consult slot for the race."""
    rng = random.Random(400)
    with database.session(write=False) as session:
        iv = session.get_one(AppointmentType, clinic.iv_type_id)
        consult = session.get_one(AppointmentType, clinic.consult_type_id)
    with client(base, clinic.headers) as http:
        ivs = candidates_from_availability(http, clinic, iv, first, last)
        consults = candidates_from_availability(http, clinic, consult, first, last)
    rng.shuffle(ivs)
    rng.shuffle(consults)
    ledger = Ledger()

    def take(candidate: Candidate) -> bool:
        rows = occupancy.rows_for(candidate.kind, candidate.spot, appointment_id=uuid.uuid4())
        return ledger.take(rows)

    # The race slot: a consult at least two days out (online booking needs 12 h notice).
    soon = _clock.now() + timedelta(days=2)
    race_slot = next(c for c in consults if c.spot.starts_at > soon and take(c))
    chosen: list[Candidate] = []
    for pool, quota in ((ivs, count // 2), (consults, count)):
        taken = 0
        for candidate in pool:
            if len(chosen) == count or taken == quota:
                break
            if candidate is not race_slot and take(candidate):
                chosen.append(candidate)
                taken += 1
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} compatible free slots for {count} bookings")
    rng.shuffle(chosen)
    jobs = []
    for n, candidate in enumerate(chosen):
        body: dict[str, Any] = {
            "appointment_type_id": str(candidate.kind.id), "location_id": str(clinic.location_id),
            "starts_at": candidate.spot.starts_at.isoformat(),
            "clinician_id": str(candidate.spot.clinician_id),
            "patient_id": str(clinic.patient_ids[n % len(clinic.patient_ids)]),
        }  # fmt: skip
        if candidate.spot.room_id is not None:
            body["room_id"] = str(candidate.spot.room_id)
        if candidate.kind.requires_escort:
            body["escort"] = ESCORT
        jobs.append(Job("/api/v1/appointments", body, candidate.kind.kind.value))
    return jobs, race_slot


def race(base: str, clinic: Clinic, slot: Candidate) -> dict[str, Any]:
    """64 patients book the same consult at once, each on a fresh connection."""
    barrier = threading.Barrier(RACERS + 1, timeout=120)
    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        body = {
            "appointment_type_id": str(clinic.consult_type_id),
            "location_id": str(clinic.location_id),
            "starts_at": slot.spot.starts_at.isoformat(),
            "clinician_id": str(slot.spot.clinician_id),
            "patient": {"given_name": "Racer", "family_name": f"Number{n}",
                        "date_of_birth": "1980-05-05", "email": f"racer{n}@example.com"},
        }  # fmt: skip
        with client(base) as http:
            barrier.wait()
            started = time.perf_counter()
            try:
                response = http.post("/api/v1/appointments", json=body)
            except httpx.TransportError as exc:
                outcome = (time.perf_counter() - started, 0, type(exc).__name__)
            else:
                code = problem_code(response) if response.status_code >= 400 else ""
                outcome = (time.perf_counter() - started, response.status_code, code)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    statuses = Counter(status for _, status, _ in results)
    codes = Counter(f"{status} {code}" for _, status, code in results if code)
    local_day = slot.spot.starts_at.astimezone(ZONE).date()
    params = {"day": local_day.isoformat(), "clinician_id": str(slot.spot.clinician_id)}
    with client(base, clinic.headers) as http:
        listed = http.get("/api/v1/appointments", params=params).json()
    at_slot = [
        a for a in listed
        if datetime.fromisoformat(a["starts_at"]) == slot.spot.starts_at
        and a["status"] == "booked"
    ]  # fmt: skip
    return {
        "racers": RACERS,
        "winners": statuses[201],
        "booked_at_slot": len(at_slot),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "codes": dict(codes),
        "seconds": round(seconds, 3),
        "p50_ms": ms(statistics.median(t for t, _, _ in results)),
        "max_ms": ms(max(t for t, _, _ in results)),
    }


def measure_book_in_process(database: Database, jobs: Sequence[Job]) -> dict[str, Any]:
    """The service's own cost per booking without HTTP or commit (each is rolled back), the
    SQL statements it sends, and how much of it is ``place()`` (the availability check)."""
    writer = database.engine
    if database.is_sqlite:
        writer = writer.execution_options(sqlite_immediate=True)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    spent: dict[str, list[float]] = {}
    placing: list[float] = []
    for job in jobs:
        data = BookingIn.model_validate(job.body)
        with Session(bind=writer, expire_on_commit=False) as session:
            ctx = Context(session=session, actor=Actor.system("bench"), now=_clock.now())
            event.listen(database.engine, "before_cursor_execute", count)
            try:
                started = time.perf_counter()
                appointments.book(ctx, data=data, staff=True)
                session.flush()
                spent.setdefault(job.label, []).append(time.perf_counter() - started)
            finally:
                event.remove(database.engine, "before_cursor_execute", count)
            session.rollback()
            assert data.appointment_type_id is not None
            assert data.starts_at is not None
            kind = session.get_one(AppointmentType, data.appointment_type_id)
            location = session.get_one(Location, data.location_id)
            started = time.perf_counter()
            place(
                ctx, kind=kind, location=location, starts_at=data.starts_at,
                clinician_id=data.clinician_id, room_id=data.room_id, staff=True,
            )  # fmt: skip
            placing.append(time.perf_counter() - started)
            session.rollback()
    return {
        "bookings": len(jobs),
        "book_median_ms": {label: ms(statistics.median(values)) for label, values in spent.items()},
        "place_median_ms": ms(statistics.median(placing)),
        "statements_per_booking": round(statements / len(jobs), 1),
    }


def count_booked(database: Database) -> int:
    with database.session(write=False) as session:
        query = select(func.count()).select_from(Appointment)
        return int(session.scalar(query.where(Appointment.status == AppointmentStatus.BOOKED)) or 0)


# --------------------------------------------------------------------------- one database


def add_admin(database: Database) -> None:
    data = StaffUserIn(
        email=ADMIN_EMAIL, name="Bench Admin", role=Role.ADMIN, password=ADMIN_PASSWORD
    )
    with database.session() as session:
        create_user(
            Context(session=session, actor=Actor.system("bench"), now=_clock.now()), data=data
        )


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_backend(backend: str, profile: Profile, postgres_url: str, logs: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"database": backend, "load_average_before": load_average()}
    first = _clock.now().astimezone(ZONE).date() + timedelta(days=1)
    last = first + timedelta(days=WINDOW_DAYS - 1)
    result["window"] = {"first_day": first.isoformat(), "last_day": last.isoformat()}
    step = Stopwatch(backend)
    with fresh_database(backend, postgres_url) as url, ExitStack() as stack:
        clinic_cli(url, "db", "upgrade")
        step("migrated with `clinic db upgrade`")
        database = Database.from_url(url)
        stack.callback(database.dispose)
        bare_metadata.create_all(database.engine)  # the bare endpoint's throwaway table
        # Both servers start together (start-up is seconds of imports); the bare one idles.
        product = clinic_serve(url, logs / f"clinic-{backend}.log")
        stack.callback(product.stop)
        bare_server = bare_serve(url, logs / f"bare-{backend}.log")
        stack.callback(bare_server.stop)
        add_admin(database)
        base = product.ready()
        bare_base = bare_server.ready()
        step("servers up")
        clinic = set_up_clinic(base)
        step("clinic set up through the API")
        result["seed"] = seed_appointments(database, clinic, first, last)
        result["seed"]["overlaps"] = count_overlaps(database)
        step("appointments seeded")
        http = measure_availability_http(base, clinic, first, last, profile.availability_requests)
        http["target_ms"] = AVAILABILITY_TARGET_MS
        http["meets_target"] = http["median_ms"] < AVAILABILITY_TARGET_MS
        result["availability_http"] = http
        split = measure_split(database, clinic, first, last, profile.split_repeats)
        split["http_overhead_ms"] = round(http["median_ms"] - split["in_process_total_ms"], 2)
        split["http_median_over_bare_read"] = round(http["median_ms"] / split["bare_read_ms"], 1)
        result["availability_split"] = split
        step("availability measured")
        jobs, race_slot = plan_bookings(base, database, clinic, first, last, profile.bookings)
        step("bookings planned from GET availability")
        book_cost = measure_book_in_process(database, jobs[:20])
        before = count_booked(database)
        load = hammer(base, clinic.headers, jobs, CLIENTS, product.process.pid)
        booking = {"clients": CLIENTS, **load.figures(ok=201)}
        booking["mix"] = dict(Counter(job.label for job in jobs))
        booking["booked_rows_added"] = count_booked(database) - before
        booking["in_process"] = book_cost
        booking["target_per_s"] = BOOKING_TARGET_PER_S
        booking["meets_target"] = booking["per_s"] >= BOOKING_TARGET_PER_S and not booking["errors"]
        result["booking"] = booking
        step("booking throughput")
        result["contention"] = race(base, clinic, race_slot)
        result["overlaps_after"] = count_overlaps(database)
        step("contention")
        product.stop()  # the bare endpoint gets the machine to itself, as the product had
        notes = [
            Job("/insert", {"note": f"bench {n}"}, "bare") for n in range(profile.bare_requests)
        ]
        bare = hammer(bare_base, {}, notes, CLIENTS, bare_server.process.pid)
        result["bare_insert"] = {"clients": CLIENTS, **bare.figures(ok=201)}
        result["booking_over_bare"] = round(booking["per_s"] / result["bare_insert"]["per_s"], 2)
        step("bare insert")
    result["load_average_after"] = load_average()
    result["server_log_errors"] = {
        "clinic serve": log_errors(logs / f"clinic-{backend}.log"),
        "bare insert": log_errors(logs / f"bare-{backend}.log"),
    }
    return result


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


class Stopwatch:
    """Progress lines on stderr, so stdout stays the table and the JSON."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = self.last = time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        print(f"[{self.label}] {what} ({now - self.last:.1f} s)", file=sys.stderr, flush=True)
        self.last = now


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def cpu_line(figures: dict[str, Any]) -> str:
    parts = ", ".join(f"{k} {v}" for k, v in figures["cpu_ms_per_request"].items())
    shares = "/".join(f"{share:.0%}" for share in figures["worker_cpu_shares"])
    return f"{parts}; machine {figures['machine_busy_share']:.0%} busy; workers {shares}"


def table(result: dict[str, Any]) -> str:
    seed, http, split = result["seed"], result["availability_http"], result["availability_split"]
    booking, bare, fight = result["booking"], result["bare_insert"], result["contention"]
    errors = ", ".join(f"{k} x{v}" for k, v in booking["errors"].items()) or "none"
    codes = ", ".join(f"{k} x{v}" for k, v in fight["codes"].items()) or "none"
    logged = result["server_log_errors"]["clinic serve"]
    log_errs = ", ".join(f"{k} x{v}" for k, v in logged.items()) or "none"
    lines = [
        ("seed", f"{seed['appointments']} appointments {seed['by_kind']}, "
                 f"{seed['occupancy_rows']} occupancy rows, {seed['weekdays']} weekdays, "
                 f"{seed['seconds']} s, overlaps {seed['overlaps']}"),
        ("GET availability (IV, 30 days)",
         f"median {http['median_ms']} ms, p95 {http['p95_ms']} ms over {http['requests']} "
         f"requests; {http['slots']} slots, {http['response_bytes']} bytes "
         f"({verdict(http['meets_target'])} < {AVAILABILITY_TARGET_MS:g} ms)"),
        ("  GET /health (HTTP floor)", f"median {http['health_median_ms']} ms"),
        ("  in-process total", f"{split['in_process_total_ms']} ms (max "
                               f"{split['in_process_total_max_ms']} ms)"),
        ("  load_query (database)", f"{split['load_query_ms']} ms"),
        ("  find_slots (compute)", f"{split['find_slots_ms']} ms"),
        ("  build AvailabilityOut", f"{split['build_response_ms']} ms"),
        ("  model_dump_json", f"{split['json_encode_ms']} ms"),
        ("  of the total: GC pauses",
         f"{split['gc_pause_ms']} ms (max {split['gc_pause_max_ms']} ms)"),
        ("  bare read (raw SQL)", f"{split['bare_read_ms']} ms for {split['bare_read_rows']} rows"),
        ("  same rows, Core typed", f"{split['typed_read_ms']} ms"),
        ("  HTTP - in-process", f"{split['http_overhead_ms']} ms (auth, framework, transport)"),
        ("  HTTP median / bare read", f"{split['http_median_over_bare_read']}x"),
        ("POST appointments (16 clients)",
         f"{booking['per_s']} bookings/s, p50 {booking['p50_ms']} ms, p95 {booking['p95_ms']} ms,"
         f" {booking['succeeded']}/{booking['requests']} ok {booking['mix']} "
         f"({verdict(booking['meets_target'])} >= {BOOKING_TARGET_PER_S:g}/s, 0 errors)"),
        ("  errors", errors),
        ("  CPU ms per booking", cpu_line(booking)),
        ("  in-process book() (no commit)",
         f"{booking['in_process']['book_median_ms']} median ms (place() "
         f"{booking['in_process']['place_median_ms']} ms), "
         f"{booking['in_process']['statements_per_booking']} SQL statements per booking"),
        ("bare INSERT + commit (16 clients)",
         f"{bare['per_s']} req/s, p50 {bare['p50_ms']} ms, p95 {bare['p95_ms']} ms, "
         f"{bare['succeeded']}/{bare['requests']} ok"),
        ("  CPU ms per request", cpu_line(bare)),
        ("  booking / bare", f"{result['booking_over_bare']}"),
        ("64-way race for one slot",
         f"winners {fight['winners']} (booked at slot: {fight['booked_at_slot']}), "
         f"statuses {fight['statuses']}, p50 {fight['p50_ms']} ms, max {fight['max_ms']} ms"),
        ("  loser codes", codes),
        ("overlapping occupancy after all", str(result["overlaps_after"])),
        ("clinic serve log: errors", log_errs),
        ("load average before / after",
         f"{result['load_average_before']} / {result['load_average_after']} "
         f"({os.cpu_count()} CPUs)"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in lines)
    window = result["window"]
    title = f"== {result['database']} ({window['first_day']} .. {window['last_day']}) =="
    return "\n".join([title, *(f"{name:<{width}}  {value}" for name, value in lines)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.booking", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="fewer requests: well under a minute")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CLINIC_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="server on which a throwaway database is created and dropped",
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-booking-logs-") as logs:
        for backend in backends:
            results[backend] = run_backend(backend, profile, args.postgres_url, Path(logs))
            print(table(results[backend]), end="\n\n", flush=True)
    document = {
        "benchmark": "booking",
        "quick": args.quick,
        "profile": profile.__dict__,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": {"command": "clinic serve", "workers": WORKERS},
        "results": results,
    }
    print(json.dumps(document, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
