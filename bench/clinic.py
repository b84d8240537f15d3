"""The benchmark's clinic: set up through the API, then seeded in bulk.

One New York location, 10 clinicians working Mon-Fri 08:00-18:00, 8 treatment chairs and a
consult room, an IV type and an online consult, 24 patients with their gates recorded: all
through the API, as an administrator would. Then 3,000 booked appointments over the next 30
days, bulk-inserted in-process as Appointment + Occupancy rows built by ``occupancy.rows_for``
and placed with the same no-overlap rule as the exclusion constraint (``Ledger``; checked
again afterwards with ``count_overlaps``).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx
from sqlalchemy import insert, select

from bench.harness import client
from booking.models import Appointment, AppointmentStatus, AppointmentType, Occupancy, Role
from booking.schemas.staff import StaffUserIn
from booking.services import manage_links, occupancy
from booking.services.context import Actor, Context
from booking.services.staff import create_user
from core.clock import SystemClock
from core.db import Database
from core.tokens import hash_token, new_token

ZONE = ZoneInfo("America/New_York")
CLINICIANS = 10
CHAIRS = 8
PATIENTS = 24
SEED_APPOINTMENTS = 3_000
WINDOW_DAYS = 30
ADMIN_EMAIL = "bench-admin@clinic.example"
ADMIN_PASSWORD = "bench-only password, not a secret"  # noqa: S105
ESCORT = {"name": "Riley Escort", "phone": "+16175550199"}
IV_SEED_STARTS = (8, 10, 12, 14)  # local hours of the seeded treatments on chairs 1-6
IV_SEED_CHAIRS = 6  # chairs 7 and 8 stay free for the throughput run

_clock = SystemClock()


@dataclass(frozen=True)
class Clinic:
    location_id: uuid.UUID
    iv_type_id: uuid.UUID
    consult_type_id: uuid.UUID
    clinician_ids: list[uuid.UUID]
    chair_ids: list[uuid.UUID]
    patient_ids: list[uuid.UUID]
    headers: dict[str, str]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, wall_time(hour, minute), ZONE).astimezone(UTC)


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


# --------------------------------------------------------------------------- through the API


def add_admin(database: Database) -> None:
    data = StaffUserIn(
        email=ADMIN_EMAIL, name="Bench Admin", role=Role.ADMIN, password=ADMIN_PASSWORD
    )
    with database.session() as session:
        create_user(
            Context(session=session, actor=Actor.system("bench"), now=_clock.now()), data=data
        )


def staff_headers(base: str) -> dict[str, str]:
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    with client(base) as http:
        response = http.post("/api/v1/auth/login", json=login)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def post(http: httpx.Client, path: str, body: dict[str, Any]) -> uuid.UUID:
    """Create something through the API and return its id."""
    response = http.post(path, json=body)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    return uuid.UUID(response.json()["id"])


def add_types(http: httpx.Client) -> tuple[uuid.UUID, uuid.UUID]:
    """The staff-only IV type with every gate, and the online consult (no room)."""
    iv = post(http, "/api/v1/appointment-types", {
        "name": "IV infusion", "public_name": "Clinic session", "kind": "iv_infusion",
        "clinician_minutes": 60, "room_kind": "treatment_chair", "room_minutes": 120,
        "online_bookable": False, "requires_consult": True, "requires_consent": True,
        "requires_escort": True, "max_starts_per_window": 1, "start_window_minutes": 30,
    })  # fmt: skip
    consult = post(http, "/api/v1/appointment-types", {
        "name": "Online consult", "public_name": "Consultation", "kind": "consult",
        "clinician_minutes": 30, "room_minutes": 0, "online_bookable": True,
    })  # fmt: skip
    return iv, consult


def add_rooms(http: httpx.Client, location: uuid.UUID) -> list[uuid.UUID]:
    """The treatment chairs (returned) and one consult room."""
    chairs = [
        post(http, "/api/v1/rooms", {"location_id": str(location), "name": f"Chair {n}",
                                     "kind": "treatment_chair"})
        for n in range(1, CHAIRS + 1)
    ]  # fmt: skip
    room = {"location_id": str(location), "name": "Consult room", "kind": "consult_room"}
    post(http, "/api/v1/rooms", room)
    return chairs


def add_working_hours(http: httpx.Client, location: uuid.UUID, clinicians: list[uuid.UUID]) -> None:
    for clinician in clinicians:
        for weekday in range(5):
            post(http, f"/api/v1/clinicians/{clinician}/working-hours", {
                "location_id": str(location), "weekday": weekday,
                "start_time": "08:00", "end_time": "18:00",
            })  # fmt: skip


def add_patients(http: httpx.Client) -> list[uuid.UUID]:
    """Patients who have had their consult and signed consent (the IV type's gates)."""
    patients = []
    for n in range(PATIENTS):
        patient = post(http, "/api/v1/patients", {
            "given_name": "Bench", "family_name": f"Patient{n:02d}",
            "date_of_birth": "1984-06-15", "phone": f"+1617555{n + 1000:04d}",
            "email": f"bench{n}@example.com",
        })  # fmt: skip
        for gate in ("consult_completed", "consent_signed"):
            response = http.post(f"/api/v1/patients/{patient}/gates", json={"gate": gate})
            if response.status_code != 200:
                raise RuntimeError(f"gate {gate}: {response.status_code} {response.text}")
        patients.append(patient)
    return patients


def set_up_clinic(base: str) -> Clinic:
    """Everything but the appointments, through the API as an administrator would."""
    headers = staff_headers(base)
    with client(base, headers) as http:
        location = post(http, "/api/v1/locations", {"name": "Bench Harbor", "timezone": ZONE.key})
        iv, consult = add_types(http)
        types = [str(iv), str(consult)]
        clinicians = [
            post(http, "/api/v1/clinicians", {"name": f"Dr Bench {n:02d}", "credentials": "MD",
                                              "appointment_type_ids": types})
            for n in range(1, CLINICIANS + 1)
        ]  # fmt: skip
        chairs = add_rooms(http, location)
        add_working_hours(http, location, clinicians)
        patients = add_patients(http)
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


# --------------------------------------------------------------------------- seeding


def seed_spots(
    clinic: Clinic, days: list[date], rng: random.Random
) -> tuple[list[occupancy.Placement], list[occupancy.Placement]]:
    """Where to try the seeded IVs (chairs 1-6, fixed hours) and consults (every free half
    hour of every clinician, shuffled), in the order they are tried."""
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
    return ivs, consults


def appointment_row(
    clinic: Clinic, kind: AppointmentType, spot: occupancy.Placement, appointment_id: uuid.UUID,
    number: int, now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """One booked Appointment, as the bulk insert wants it."""
    ends_at = occupancy.session_end(kind, spot.starts_at)
    escort = kind.requires_escort
    return {
        "id": appointment_id, "appointment_type_id": kind.id,
        "patient_id": clinic.patient_ids[number % len(clinic.patient_ids)],
        "location_id": clinic.location_id, "clinician_id": spot.clinician_id,
        "room_id": spot.room_id, "starts_at": spot.starts_at, "ends_at": ends_at,
        "status": AppointmentStatus.BOOKED, "sequence": 0,
        "escort_name": ESCORT["name"] if escort else None,
        "escort_phone": ESCORT["phone"] if escort else None,
        "gate_override_reason": None, "booked_by": "staff",
        "manage_token_hash": hash_token(new_token()),
        "manage_token_expires_at": manage_links.expires_at(ends_at),
        "created_at": now, "updated_at": now, "late_cancel": False,
    }  # fmt: skip


def occupancy_rows(owned: Sequence[Occupancy], appointment_id: uuid.UUID) -> list[dict[str, Any]]:
    """The appointment's Occupancy rows, as the bulk insert wants them."""
    return [
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
    ]


def seed_appointments(
    database: Database, clinic: Clinic, first: date, last: date
) -> dict[str, Any]:
    """3,000 booked appointments, bulk-inserted with the product's own occupancy rows."""
    started = time.perf_counter()
    rng = random.Random(3000)
    now = _clock.now()
    ledger = Ledger()
    days = weekdays(first, last)
    ivs, consults = seed_spots(clinic, days, rng)
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
            number = len(appointments)
            appointments.append(appointment_row(clinic, kind, spot, appointment_id, number, now))
            rows.extend(occupancy_rows(owned, appointment_id))
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
