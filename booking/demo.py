"""The demo clinic: one location, three clinicians, a consult room, four chairs, the four
appointment types of DOMAIN.md, working hours, a few patients and one login per role.

Idempotent: everything is found by name before it is created. Demo passwords are random
and reset on every run (printed once), so no credential ever lives in the repository."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import select

from booking.models import (
    AppointmentKind,
    AppointmentType,
    Clinician,
    Location,
    Patient,
    Role,
    Room,
    RoomKind,
    StaffUser,
    WorkingHours,
)
from booking.schemas.setup import AppointmentTypeIn
from booking.services.context import Context
from booking.services.staff import hash_password

LOCATION = {"name": "Harbor Clinic"}
LOCATION_DETAILS = {
    "timezone": "America/New_York",
    "address": "100 Harbor Street, Suite 2, Boston, MA 02110",
    "phone": "+16175550100",
}

TREATMENT_GATES = {
    "requires_consult": True,
    "requires_consent": True,
    "requires_escort": True,
    "max_starts_per_window": 1,  # one treatment start per clinician per 30 minutes
    "start_window_minutes": 30,
    "room_kind": RoomKind.TREATMENT_CHAIR,
    "buffer_before_minutes": 10,
    "buffer_after_minutes": 15,
}
_TREATMENT_PREPARATION = (
    "No alcohol or recreational drugs for 12 hours before. Take your medicines as your "
    "clinician instructed. Bring your escort's name and phone: they take you home, and you "
    "may not drive until the next day after restful sleep."
)
TYPES = [
    AppointmentTypeIn(
        name="Consult (psychiatric evaluation)",
        public_name="Consultation",
        description="A first hour with a clinician: your history, your goals, and whether "
        "treatment here suits you.",
        preparation="Bring a list of the medicines you take and any recent records. "
        "Arrive ten minutes early to fill in the intake forms.",
        kind=AppointmentKind.CONSULT,
        clinician_minutes=60,
        room_kind=RoomKind.CONSULT_ROOM,
        room_minutes=60,
        buffer_after_minutes=10,
        online_bookable=True,
    ),
    AppointmentTypeIn(
        name="Follow-up / integration visit",
        public_name="Follow-up visit",
        description="Half an hour with your clinician to talk over how you are doing.",
        preparation="Note anything you want to discuss since your last visit.",
        kind=AppointmentKind.FOLLOW_UP,
        clinician_minutes=30,
        online_bookable=True,
        requires_consult=True,
    ),
    AppointmentTypeIn(
        name="IV ketamine infusion",
        public_name="Clinic session",
        description="An IV ketamine infusion with about two hours in the clinic.",
        preparation=_TREATMENT_PREPARATION,
        kind=AppointmentKind.IV_INFUSION,
        clinician_minutes=60,  # the clinician is needed for the first hour only
        room_minutes=120,
        fast_food_minutes=6 * 60,
        fast_liquids_minutes=2 * 60,
        **TREATMENT_GATES,
    ),
    AppointmentTypeIn(
        name="Esketamine nasal spray (REMS)",
        public_name="Clinic session",
        description="An esketamine nasal spray session with at least two hours of observation.",
        preparation=_TREATMENT_PREPARATION,
        kind=AppointmentKind.ESKETAMINE,
        clinician_minutes=30,
        room_minutes=150,  # at least two hours of observation
        requires_rems=True,
        fast_food_minutes=2 * 60,
        fast_liquids_minutes=30,
        monitoring_form_days=7,
        **TREATMENT_GATES,
    ),
]

CLINICIANS = [
    ("Dr. Maya Okafor", "MD", "Dr. Maya Okafor, MD"),
    ("Dr. Samuel Reyes", "DO", "Dr. Samuel Reyes, DO"),
    ("Jordan Lee", "PMHNP-BC", "Jordan Lee, psychiatric nurse practitioner"),
]
PATIENTS = [
    ("Alex", "Morgan", date(1985, 3, 14), "+16175550111", "alex.morgan@example.com"),
    ("Priya", "Shah", date(1990, 7, 2), "+16175550112", "priya.shah@example.com"),
    ("Chris", "Daniels", date(1978, 11, 23), "+16175550113", None),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    password: str


def _find_or_add(ctx: Context, model: Any, lookup: dict[str, Any], **fields: Any) -> Any:
    found = ctx.session.scalar(select(model).filter_by(**lookup))
    if found is None:
        found = model(**lookup, **fields)
        ctx.session.add(found)
        ctx.session.flush()
    return found


def seed(ctx: Context) -> list[DemoLogin]:
    location = _find_or_add(ctx, Location, {"name": LOCATION["name"]}, **LOCATION_DETAILS)
    types = [
        _find_or_add(ctx, AppointmentType, {"name": t.name}, **t.model_dump(exclude={"name"}))
        for t in TYPES
    ]
    rooms = [("Consult room", RoomKind.CONSULT_ROOM)]
    rooms += [(f"Chair {n}", RoomKind.TREATMENT_CHAIR) for n in range(1, 5)]
    for name, kind in rooms:
        _find_or_add(ctx, Room, {"location_id": location.id, "name": name}, kind=kind)
    clinicians = [_seed_clinician(ctx, person, types, location) for person in CLINICIANS]
    for given, family, born, phone, email in PATIENTS:
        identity = {"given_name": given, "family_name": family, "date_of_birth": born}
        consent = {"sms_consent_at": ctx.now, "email_consent_at": ctx.now if email else None}
        _find_or_add(
            ctx, Patient, identity, phone=phone, email=email, created_at=ctx.now, **consent
        )
    return _seed_logins(ctx, clinicians[0])


def _seed_clinician(
    ctx: Context, person: tuple[str, str, str], types: list[AppointmentType], location: Location
) -> Clinician:
    name, credentials, display_name = person
    clinician = ctx.session.scalar(select(Clinician).filter_by(name=name))
    if clinician is not None:
        return clinician
    clinician = Clinician(
        name=name, credentials=credentials, display_name=display_name, appointment_types=types
    )
    ctx.session.add(clinician)
    ctx.session.flush()
    for weekday in range(5):  # Monday to Friday, 08:00 to 17:00
        ctx.session.add(
            WorkingHours(
                clinician_id=clinician.id,
                location_id=location.id,
                weekday=weekday,
                start_time=time(8),
                end_time=time(17),
            )
        )
    return clinician


def _seed_logins(ctx: Context, clinician: Clinician) -> list[DemoLogin]:
    logins = []
    for role in Role:
        email = f"{role.value.replace('_', '-')}@demo.clinic.example"
        password = secrets.token_urlsafe(12)
        user = _find_or_add(
            ctx,
            StaffUser,
            {"email": email},
            name=f"Demo {role.value.replace('_', ' ')}",
            role=role,
            password_hash="",
            created_at=ctx.now,
            clinician_id=clinician.id if role is Role.CLINICIAN else None,
        )
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until, user.active = 0, None, True
        logins.append(DemoLogin(email=email, role=role, password=password))
    return logins
