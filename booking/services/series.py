"""Booking a treatment series as one unit: all sessions or none, with one clinician and one
chair at the same time of day, or a 409 proposing alternatives for the sessions that do not
fit; an alternative the desk accepts comes back as an override of that session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking import series as protocols
from booking.gates import check_gates
from booking.lifecycle import OCCUPYING
from booking.models import Appointment, AppointmentType, Location, Patient, Series
from booking.schemas.appointments import SeriesIn, SeriesPreviewOut, SlotOut
from booking.services import occupancy
from booking.services.appointments import Booked, bookable_type, create_appointment
from booking.services.audit import record_create
from booking.services.clinic_setup import require_location
from booking.services.context import Context
from booking.services.occupancy import Placement
from booking.services.series_placement import Session, place_series
from core.clock import as_utc
from core.errors import Conflict, Forbidden, Invalid


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


@dataclass(frozen=True)
class SeriesPlan:
    """A series checked and placed, nothing written yet: what the desk is shown to confirm."""

    protocol: str
    min_gap_hours: int
    kind: AppointmentType
    location: Location
    patient: Patient
    override_reason: str | None
    spots: list[Placement]


def plan_series(ctx: Context, *, data: SeriesIn) -> SeriesPlan:
    """Every check of booking the series (gates, spacing, overlap, placement), writing
    nothing: the preview the desk confirms and the first half of :func:`book_series`."""
    if not ctx.actor.acts_for_clinic:
        raise Forbidden("a treatment series is booked by the clinic's staff")
    kind = bookable_type(ctx, data.appointment_type_id)
    location = require_location(ctx, data.location_id)
    patient = ctx.get(Patient, data.patient_id, "patient")
    override = check_gates(
        kind, patient, escort=data.escort, override_reason=data.gate_override_reason,
        staff=ctx.actor.acts_for_clinic,
    )  # fmt: skip
    name, starts, gap = _starts(data, ZoneInfo(location.timezone))
    sessions = _sessions(data, starts)
    starts = [session.starts_at for session in sessions]
    if too_close := protocols.spacing_problems(starts, gap):
        raise Invalid("series_spacing", f"sessions must be at least {gap} h apart",
                      sessions=too_close)  # fmt: skip
    if clash := protocols.overlapping(starts, _reach(kind)):
        raise Invalid("series_overlap", "sessions of one series cannot overlap each other",
                      sessions=clash)  # fmt: skip
    spots, conflicts = place_series(ctx, kind=kind, location=location, sessions=sessions,
                                    asked=(data.clinician_id, data.room_id), gap=gap)  # fmt: skip
    if conflicts:
        raise Conflict("series_conflict", f"{len(conflicts)} session(s) do not fit; "
                       "nothing was booked", conflicts=conflicts)  # fmt: skip
    ordered = sorted(spots, key=lambda spot: spot.starts_at)
    return SeriesPlan(name, gap, kind, location, patient, override, ordered)


def preview(ctx: Context, *, data: SeriesIn) -> SeriesPreviewOut:
    plan = plan_series(ctx, data=data)
    zone = ZoneInfo(plan.location.timezone)
    sessions = [
        SlotOut(
            starts_at=spot.starts_at.astimezone(zone),
            ends_at=occupancy.session_end(plan.kind, spot.starts_at).astimezone(zone),
            clinician_id=spot.clinician_id, room_id=spot.room_id,
        )
        for spot in plan.spots
    ]  # fmt: skip
    return SeriesPreviewOut(
        protocol=plan.protocol, min_gap_hours=plan.min_gap_hours, timezone=zone.key,
        sessions=sessions,
    )  # fmt: skip


def book_series(ctx: Context, *, data: SeriesIn) -> tuple[Series, list[Booked]]:
    plan = plan_series(ctx, data=data)
    patient, kind = plan.patient, plan.kind
    series = Series(id=uuid.uuid4(), patient_id=patient.id, appointment_type_id=kind.id,
                    protocol=plan.protocol, min_gap_hours=plan.min_gap_hours,
                    created_at=ctx.now)  # fmt: skip
    ctx.session.add(series)
    record_create(ctx, series, action="series.book", patient_id=patient.id)
    booked = [
        create_appointment(
            ctx, kind=kind, location=plan.location, patient=patient, spot=spot,
            escort=data.escort, override_reason=plan.override_reason, series_id=series.id,
            series_starts=[each.starts_at for each in plan.spots],  # one confirmation lists them
        )
        for spot in plan.spots
    ]  # fmt: skip
    return series, booked


def _sessions(data: SeriesIn, starts: list[datetime]) -> list[Session]:
    """The proposed sessions, with any alternative the desk accepted put in its place."""
    chosen = {override.index: override for override in data.overrides}
    if unknown := sorted(set(chosen) - set(range(len(starts)))):
        raise Invalid("unknown_session", f"this series has sessions 0 to {len(starts) - 1}",
                      indexes=unknown)  # fmt: skip
    sessions = []
    for index, start in enumerate(starts):
        if (accepted := chosen.get(index)) is None:
            sessions.append(Session(index, start))
        else:
            sessions.append(Session(index, as_utc(accepted.starts_at), accepted.clinician_id,
                                    accepted.room_id))  # fmt: skip
    return sessions


def _reach(kind: AppointmentType) -> timedelta:
    """How long one session keeps something busy, buffers included."""
    minutes = max(kind.clinician_minutes, kind.room_minutes, kind.start_window_minutes)
    return timedelta(minutes=minutes + kind.buffer_before_minutes + kind.buffer_after_minutes)


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
