"""A clinician's calendar feed with 5,000 events: cold build, warm build after one change,
304 revalidation, each beside the bare ``icalendar`` build and serialization of the same
events, measured in the same run.

    .venv/bin/python -m bench.feeds [--db sqlite|postgresql|both] [--postgres-url URL]

On each database (a fresh SQLite file, or a throwaway PostgreSQL database dropped
afterwards), migrated, one New York clinician gets 5,000 appointments spread over the feed's
window (30 days back to 180 ahead; one in ten cancelled a week ago), 400 patients, a chair,
and a feed. The app runs in-process (``create_app`` + Starlette's TestClient, so one request
is the whole ASGI stack without sockets):

1. cold: caches emptied (event fragments, VTIMEZONE blocks, the feed cache), then
   ``GET /feeds/{token}.ics`` — the database read, every event written, the response;
2. warm after one change: one appointment moved (sequence and updated_at bumped, as
   booking.services.changes does), then the same GET: the feed's rows are read again, but
   only the changed event is written anew;
3. revalidation: the same GET with ``If-None-Match``: 304;
4. bare: the same 5,000 events as ``icalendar.Event`` objects in a ``Calendar`` with
   ``add_missing_timezones`` over the window, then ``to_ical()`` (no database, no HTTP).

Prints a table per database, then one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar, Event
from sqlalchemy import insert, update

from bench.harness import Stopwatch, fresh_database, summary_ms
from booking.app import create_app
from booking.feeds import appointments, content, ics
from booking.feeds.shown import Options
from booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    Clinician,
    FeedKind,
    Location,
    Patient,
    Role,
    Room,
    StaffUser,
)
from booking.services.context import Actor, Context
from core import migrations
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from core.tokens import hash_token, new_token

EVENTS = 5_000
PATIENTS = 400
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
ZONE = "America/New_York"


def _seed(database: Database) -> tuple[str, list[uuid.UUID]]:
    """The clinic, the 5,000 appointments, and a feed; returns its token and the ids."""
    location, clinician, room, kind, owner = (uuid.uuid4() for _ in range(5))
    with database.session() as session:
        session.execute(insert(Location), [{"id": location, "name": "Back Bay", "timezone": ZONE,
                                            "address": "1 Main St", "active": True}])  # fmt: skip
        session.execute(insert(Clinician), [{"id": clinician, "name": "Dr. Maya Okafor",
                                             "credentials": "MD", "display_name": ""}])  # fmt: skip
        session.execute(insert(Room), [{"id": room, "location_id": location, "name": "Chair 1",
                                        "kind": "treatment_chair", "active": True}])  # fmt: skip
        session.execute(insert(AppointmentType), [{
            "id": kind, "name": "IV", "public_name": "Clinic session", "kind": "iv_infusion",
            "clinician_minutes": 60, "room_minutes": 120, "room_kind": "treatment_chair",
        }])  # fmt: skip
        session.execute(insert(StaffUser), [{
            "id": owner, "email": "feeds@clinic.example", "name": "Dr. Maya Okafor",
            "role": Role.CLINICIAN, "password_hash": "-", "clinician_id": clinician,
            "created_at": NOW,
        }])  # fmt: skip
        patients = [uuid.uuid4() for _ in range(PATIENTS)]
        session.execute(insert(Patient), [
            {"id": p, "given_name": f"Sam{n}", "family_name": f"Rivera{n}",
             "date_of_birth": date(1990, 1, 2), "created_at": NOW}
            for n, p in enumerate(patients)
        ])  # fmt: skip
        ids = [uuid.uuid4() for _ in range(EVENTS)]
        first = NOW - timedelta(days=29)
        step = timedelta(days=208) / EVENTS
        rows = [_appointment(i, n, first + step * n, kind, patients, location, clinician, room)
                for n, i in enumerate(ids)]  # fmt: skip
        for chunk in range(0, EVENTS, 1000):
            session.execute(insert(Appointment), rows[chunk : chunk + 1000])
        token = new_token()
        session.execute(insert(CalendarFeed), [{
            "id": uuid.uuid4(), "kind": FeedKind.CLINICIAN, "subject_id": clinician,
            "owner_id": owner, "token_hash": hash_token(token), "created_at": NOW,
        }])  # fmt: skip
    return token, ids


def _appointment(
    id_: uuid.UUID, n: int, starts_at: datetime, kind: uuid.UUID, patients: list[uuid.UUID],
    location: uuid.UUID, clinician: uuid.UUID, room: uuid.UUID,
) -> dict[str, Any]:  # fmt: skip
    cancelled = n % 10 == 0
    return {
        "id": id_, "appointment_type_id": kind, "patient_id": patients[n % len(patients)],
        "location_id": location, "clinician_id": clinician, "room_id": room,
        "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1),
        "status": AppointmentStatus.CANCELLED if cancelled else AppointmentStatus.BOOKED,
        "cancelled_at": NOW - timedelta(days=7) if cancelled else None,
        "sequence": n % 3, "booked_by": "staff", "late_cancel": False,
        "created_at": NOW - timedelta(days=60), "updated_at": NOW - timedelta(days=n % 50),
    }  # fmt: skip


def _forget() -> None:
    """Empty every cache a cold build must not find."""
    ics.timed_text.cache_clear()
    ics.all_day_text.cache_clear()
    ics.timezone_text.cache_clear()
    ics.text_line.cache_clear()
    appointments.FRAGMENTS.clear()


def _times(
    run: Callable[[], object], repeat: int, before: Callable[[], None] = lambda: None
) -> dict[str, float]:
    """Wall-clock median / p95 / max, and the median CPU time of this process (the machine
    may be shared: CPU time is what the work itself costs)."""
    wall, cpu = [], []
    gc.collect()  # once per series: a full collection before each request would time the
    for _ in range(repeat):  # allocator refilling freed arenas, which no server does
        before()
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return summary_ms(wall) | {"cpu_median_ms": round(statistics.median(cpu) * 1000, 2)}


def _bare(database: Database, options: Options) -> bytes:
    """The same events as icalendar objects, serialized by icalendar."""
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("bench"), now=NOW)
        feed = session.query(CalendarFeed).one()
        window = content.Window.around(NOW, options)
        events = appointments.events(ctx, content.in_feed(feed, window), options)
    window = content.Window.around(NOW, options)
    calendar = Calendar()
    for name, value in (("prodid", ics.PRODID), ("version", "2.0"), ("method", "PUBLISH"),
                        ("x-wr-calname", "Dr. Maya Okafor")):  # fmt: skip
        calendar.add(name, value)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp)
        event.add("last-modified", item.stamp)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.starts_at.astimezone(ics.zone_info(item.zone)))
        event.add("dtend", item.ends_at.astimezone(ics.zone_info(item.zone)))
        event.add("summary", item.summary)
        event.add("location", item.location)
        event.add("url", item.url)
        event.add("description", item.url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=date(window.starts_at.year - 1, 1, 1),
        last_date=date(window.ends_at.year + 2, 1, 1),
    )
    body: bytes = calendar.to_ical()
    return body


def run_backend(url: str, label: str) -> dict[str, Any]:
    watch = Stopwatch(label)
    database = Database.from_url(url)
    migrations.upgrade(database.engine)
    token, ids = _seed(database)
    watch(f"seeded {EVENTS} appointments")
    settings = Settings(
        database_url=url,
        secret_key="bench-only",  # noqa: S106
        public_url="https://clinic.example",
    )
    app = create_app(settings, database=database, clock=FrozenClock(NOW))
    path = f"/feeds/{token}.ics"
    figures: dict[str, Any] = {}
    with TestClient(app) as client:

        def cold_reset() -> None:
            _forget()
            app.state.feed_cache = None
            app.state.feed_misses = None

        body = client.get(path).content
        figures["events_in_feed"] = body.count(b"BEGIN:VEVENT")
        figures["feed_bytes"] = len(body)
        figures["cold"] = _times(lambda: client.get(path), 7, cold_reset)
        moved = iter(range(100, 200))

        def change_one() -> None:
            # A reschedule as booking.services.changes writes it: new time, sequence + 1.
            k = next(moved)
            starts_at = NOW + timedelta(days=10, minutes=15 * k)
            with database.session() as session:
                session.execute(
                    update(Appointment).where(Appointment.id == ids[k]).values(
                        sequence=Appointment.sequence + 1, updated_at=NOW + timedelta(seconds=k),
                        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                    )
                )  # fmt: skip

        client.get(path)
        figures["warm_after_one_change"] = _times(lambda: client.get(path), 20, change_one)
        etag = client.get(path).headers["etag"]
        not_modified = {"If-None-Match": etag}
        assert client.get(path, headers=not_modified).status_code == 304
        figures["revalidation_304"] = _times(lambda: client.get(path, headers=not_modified), 200)
    options = Options(public_url="https://clinic.example")
    figures["bare_icalendar"] = _times(lambda: _bare(database, options), 5, _forget)
    figures["bare_feed_bytes"] = len(_bare(database, options))
    watch("measured")
    database.dispose()
    return figures


def _table(label: str, figures: dict[str, Any]) -> str:
    bare = figures["bare_icalendar"]["median_ms"]
    lines = [f"== {label}: {figures['events_in_feed']} events, {figures['feed_bytes']:,} bytes",
             f"{'':24}{'median ms':>10}{'p95 ms':>9}{'CPU ms':>9}{'x bare':>8}"]  # fmt: skip
    for name in ("cold", "warm_after_one_change", "revalidation_304", "bare_icalendar"):
        row = figures[name]
        ratio = row["median_ms"] / bare if bare else float("nan")
        lines.append(
            f"{name:24}{row['median_ms']:>10.2f}{row['p95_ms']:>9.2f}"
            f"{row['cpu_median_ms']:>9.2f}{ratio:>8.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    default_pg = os.environ.get(
        "CLINIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--postgres-url", default=default_pg)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    report: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    for backend in backends:
        with fresh_database(backend, args.postgres_url) as url:
            report[backend] = run_backend(url, backend)
        print(_table(backend, report[backend]))
    print(json.dumps(report, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
