"""Booking a treatment series as one unit: all sessions or none, the same clinician, chair
and time of day where possible, and the nearest alternatives for any session that won't fit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking import availability as av
from booking import series as protocols
from booking.gates import check_gates
from booking.lifecycle import OCCUPYING
from booking.models import Appointment, AppointmentType, Location, Patient, Series
from booking.schemas.appointments import SeriesIn
from booking.services.appointments import Booked, bookable_type, create_appointment
from booking.services.audit import record_create
from booking.services.context import Context
from booking.services.occupancy import Placement
from booking.services.placement import place
from booking.services.slots import load_query, local_day, require_location
from core.errors import Conflict, DomainError, Invalid

ALTERNATIVES = 3


def _starts(data: SeriesIn, zone: ZoneInfo) -> tuple[str, list[datetime], int]:
    if data.protocol == "custom":
        gap = data.min_gap_hours if data.min_gap_hours is not None else 48
        return "custom", sorted(data.starts or []), gap
    protocol = protocols.PROTOCOLS.get(data.protocol)
    if protocol is None or data.first_starts_at is None:
        known = ", ".join([*protocols.PROTOCOLS, "custom"])
        raise Invalid("unknown_protocol", f"unknown protocol; use one of: {known}")
    gap = data.min_gap_hours if data.min_gap_hours is not None else protocol.min_gap_hours
    return protocol.name, protocols.proposed_starts(protocol, data.first_starts_at, zone, gap), gap


def book_series(ctx: Context, *, data: SeriesIn) -> tuple[Series, list[Booked]]:
    kind = bookable_type(ctx, data.appointment_type_id, staff=True)
    location = require_location(ctx, data.location_id)
    patient = ctx.get(Patient, data.patient_id, "patient")
    override = check_gates(
        kind, patient, escort=data.escort, override_reason=data.gate_override_reason, staff=True
    )
    name, starts, gap = _starts(data, ZoneInfo(location.timezone))
    if too_close := protocols.spacing_problems(starts, gap):
        raise Invalid("series_spacing", f"sessions must be at least {gap} h apart",
                      sessions=too_close)  # fmt: skip
    if clash := protocols.overlapping(starts, _reach(kind)):
        raise Invalid("series_overlap", "sessions of one series cannot overlap each other",
                      sessions=clash)  # fmt: skip
    spots, conflicts = _place_all(ctx, kind, location, starts, data, gap)
    if conflicts:
        raise Conflict("series_conflict", f"{len(conflicts)} session(s) do not fit; "
                       "nothing was booked", conflicts=conflicts)  # fmt: skip
    series = Series(id=uuid.uuid4(), patient_id=patient.id, appointment_type_id=kind.id,
                    protocol=name, min_gap_hours=gap, created_at=ctx.now)  # fmt: skip
    ctx.session.add(series)
    record_create(ctx, series, action="series.book", patient_id=patient.id)
    booked = [
        create_appointment(
            ctx, kind=kind, location=location, patient=patient, spot=spot, escort=data.escort,
            override_reason=override, booked_by="staff", series_id=series.id,
        )
        for spot in spots
    ]  # fmt: skip
    return series, booked


def _reach(kind: AppointmentType) -> timedelta:
    """How long one session keeps something busy, buffers included."""
    minutes = max(kind.clinician_minutes, kind.room_minutes, kind.start_window_minutes)
    return timedelta(minutes=minutes + kind.buffer_before_minutes + kind.buffer_after_minutes)


def _place_all(
    ctx: Context, kind: AppointmentType, location: Location, starts: list[datetime],
    data: SeriesIn, gap: int,
) -> tuple[list[Placement], list[dict[str, Any]]]:  # fmt: skip
    """Place every session, keeping the first session's clinician and chair when they fit."""
    clinician, room = data.clinician_id, data.room_id
    spots: list[Placement] = []
    conflicts: list[dict[str, Any]] = []
    for index, start in enumerate(starts):
        spot, reason = _try(ctx, kind, location, start, clinician, room)
        if spot is None:
            others = [s for i, s in enumerate(starts) if i != index]
            alternatives = _nearest(ctx, kind, location, start, clinician, others, gap)
            conflicts.append({"index": index, "starts_at": start.isoformat(), "reason": reason,
                              "alternatives": alternatives})  # fmt: skip
            continue
        clinician, room = clinician or spot.clinician_id, room or spot.room_id
        spots.append(spot)
    return spots, conflicts


def _try(
    ctx: Context, kind: AppointmentType, location: Location, start: datetime,
    clinician: uuid.UUID | None, room: uuid.UUID | None,
) -> tuple[Placement | None, str]:  # fmt: skip
    """The preferred clinician and chair, then any chair, then anyone, in that order."""
    reason = "slot_taken"
    for want_clinician, want_room in ((clinician, room), (clinician, None), (None, None)):
        try:
            spot = place(ctx, kind=kind, location=location, starts_at=start,
                         clinician_id=want_clinician, room_id=want_room, staff=True)  # fmt: skip
        except DomainError as exc:
            reason = exc.code
            continue
        return spot, ""
    return None, reason


def _nearest(
    ctx: Context, kind: AppointmentType, location: Location, start: datetime,
    clinician: uuid.UUID | None, others: list[datetime], gap: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Free starts within a day either side that keep the series' spacing, nearest first."""
    day = local_day(start, location.timezone)
    query = load_query(ctx, location=location, kind=kind, first_day=day - timedelta(days=1),
                       last_day=day + timedelta(days=1), staff=True)  # fmt: skip
    slots = [s for s in av.find_slots(query) if protocols.keeps_spacing(s.starts_at, others, gap)]
    slots.sort(key=lambda s: (abs(s.starts_at - start), s.clinician_id != clinician))
    return [
        {"starts_at": s.starts_at.isoformat(), "clinician_id": str(s.clinician_id),
         "room_id": str(s.room_id) if s.room_id else None}
        for s in slots[:ALTERNATIVES]
    ]  # fmt: skip


def check_spacing(ctx: Context, *, appointment: Appointment, new_start: datetime) -> None:
    """Moving one session of a series must keep it clear of its siblings."""
    if appointment.series_id is None:
        return
    series = ctx.get(Series, appointment.series_id, "series")
    siblings = ctx.session.scalars(
        select(Appointment.starts_at).where(
            Appointment.series_id == series.id,
            Appointment.id != appointment.id,
            Appointment.status.in_(OCCUPYING),
        )
    )
    if not protocols.keeps_spacing(new_start, list(siblings), series.min_gap_hours):
        raise Invalid(
            "series_spacing",
            f"sessions of this series must stay {series.min_gap_hours} h apart",
        )
