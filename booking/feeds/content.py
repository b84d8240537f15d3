"""What a feed shows, read from the book into plain data (booking.feeds.ics writes it).

A :class:`Snapshot` is the cheap part: a few aggregates over the feed's appointments and
tasks, its busy blocks and the setup version. Its ``key`` changes whenever anything the
feed shows changes (every booking change bumps an appointment's sequence and updated_at;
a booking or a row leaving the feed changes the count), so it is the feed's ETag and a
revalidation reads nothing more. Only a changed key reads the rows themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, func, or_, select

from booking.feeds import ics, tokens
from booking.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    FeedKind,
    Location,
    LocationClosure,
    Patient,
    Room,
    SetupVersion,
    TimeOff,
    WorkingHours,
)
from booking.services.context import Context
from notifications.privacy import forbidden_terms_in, redact
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind

A, P, N = Appointment, Patient, Notice


@dataclass(frozen=True)
class Options:
    """The feed settings (see core.settings): window, retention, names, refresh hints."""

    public_url: str
    days_back: int = 30
    days_ahead: int = 180
    cancelled_days: int = 30
    refresh: timedelta = timedelta(minutes=15)
    full_names: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or "clinic"


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime
    cancelled_since: datetime  # cancelled appointments older than this have left

    @classmethod
    def around(cls, now: datetime, options: Options) -> Window:
        # Whole UTC days: the window (and so the ETag) moves once a day, not every request.
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(
            starts_at=day - timedelta(days=options.days_back),
            ends_at=day + timedelta(days=options.days_ahead + 1),
            cancelled_since=day - timedelta(days=options.cancelled_days),
        )


@dataclass(frozen=True)
class Busy:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str


@dataclass(frozen=True)
class Snapshot:
    key: tuple[Any, ...]
    busy: tuple[Busy, ...]
    name: str
    zone: str | None


def initials(given: str, family: str) -> str:
    """ "S.R." from Sam Rivera; any script, whatever spaces or controls surround the names."""
    letters = [name.strip()[:1].upper() for name in (given, family)]
    return "".join(f"{letter}." for letter in letters if letter.isprintable() and letter)


def title(visit: str, given: str, family: str, *, full_names: bool, cancelled: bool = False) -> str:
    """The visit type (never a drug or treatment word) and who: initials unless the clinic
    chose full names."""
    who = " ".join(f"{given} {family}".split()) if full_names else initials(given, family)
    # A name with a forbidden word is replaced whole: what redaction leaves can still tell
    # ("for" from "Ketamine infusion for depression"), and a title has no room to explain.
    visit = " ".join(visit.split())
    visit = "Appointment" if not visit or forbidden_terms_in(visit) else visit
    shown = f"{visit} ({who})" if who else visit
    return f"Cancelled: {shown}" if cancelled else shown


def _in_feed(feed: CalendarFeed, window: Window) -> list[ColumnElement[bool]]:
    scope = {FeedKind.CLINICIAN: A.clinician_id, FeedKind.ROOM: A.room_id}
    column = scope.get(feed.kind, A.location_id)
    return [
        column == feed.subject_id,
        A.starts_at < window.ends_at,
        A.ends_at > window.starts_at,
        or_(A.status != AppointmentStatus.CANCELLED, A.cancelled_at >= window.cancelled_since),
    ]


def _tasks(feed: CalendarFeed, window: Window, *columns: Any) -> Select[Any]:
    """The clinician's open monitoring-form tasks due inside the window."""
    return (
        select(*columns)
        .join(A, A.id == N.appointment_id)
        .where(
            A.clinician_id == feed.subject_id,
            N.kind == NoticeKind.REMS_FORM,
            N.audience == Audience.STAFF,
            N.status == NoticeStatus.PENDING,
            N.due_at >= window.starts_at,
            N.due_at < window.ends_at,
        )
    )


def _locations(ctx: Context, feed: CalendarFeed) -> list[Location]:
    """The locations whose closures the feed shows (a clinician's: where they work)."""
    if feed.kind is FeedKind.LOCATION:
        ids = [feed.subject_id]
    elif feed.kind is FeedKind.ROOM:
        ids = list(ctx.session.scalars(select(Room.location_id).where(Room.id == feed.subject_id)))
    else:
        where = WorkingHours.clinician_id == feed.subject_id
        ids = list(ctx.session.scalars(select(WorkingHours.location_id).where(where).distinct()))
    query = select(Location).where(Location.id.in_(ids)).order_by(Location.name)
    return list(ctx.session.scalars(query))


def _busy(
    ctx: Context, feed: CalendarFeed, window: Window, locations: list[Location]
) -> list[Busy]:
    blocks: list[Busy] = []
    if feed.kind is FeedKind.CLINICIAN:
        query = select(TimeOff).where(
            TimeOff.clinician_id == feed.subject_id,
            TimeOff.starts_at < window.ends_at, TimeOff.ends_at > window.starts_at,
        )  # fmt: skip
        for off in ctx.session.scalars(query.order_by(TimeOff.starts_at, TimeOff.id)):
            blocks.append(Busy(f"time-off-{off.id}", off.starts_at, off.ends_at, "Time off"))
    names = {location.id: redact(location.name) for location in locations}
    query_closures = select(LocationClosure).where(
        LocationClosure.location_id.in_(names),
        LocationClosure.starts_at < window.ends_at, LocationClosure.ends_at > window.starts_at,
    )  # fmt: skip
    for closed in ctx.session.scalars(query_closures.order_by(LocationClosure.starts_at)):
        summary = f"Closed: {names[closed.location_id]}".rstrip(": ")
        blocks.append(Busy(f"closure-{closed.id}", closed.starts_at, closed.ends_at, summary))
    return blocks


def _name(ctx: Context, feed: CalendarFeed, locations: list[Location]) -> str:
    name = tokens.subject_name(ctx, feed) or "Calendar"
    if feed.kind is FeedKind.ROOM and locations:
        return f"{name} ({locations[0].name})"
    return name


def snapshot(ctx: Context, feed: CalendarFeed, window: Window) -> Snapshot:
    appointments = ctx.session.execute(
        select(func.count(), func.max(A.updated_at), func.coalesce(func.sum(A.sequence), 0))
        .where(*_in_feed(feed, window))
    ).one()  # fmt: skip
    tasks: tuple[Any, ...] = ()
    if feed.kind is FeedKind.CLINICIAN:
        columns = (func.count(), func.max(N.updated_at))
        tasks = tuple(ctx.session.execute(_tasks(feed, window, *columns)).one())
    setup = ctx.session.scalar(select(SetupVersion.version))
    locations = _locations(ctx, feed)
    busy = tuple(_busy(ctx, feed, window, locations))
    zone = locations[0].timezone if locations else None
    key = (tuple(appointments), tasks, setup, busy, zone, window)
    return Snapshot(key=key, busy=busy, name=_name(ctx, feed, locations), zone=zone)


def _names(ctx: Context) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str], dict[uuid.UUID, Any]]:
    types = ctx.session.execute(select(AppointmentType.id, AppointmentType.public_name))
    visits = {row.id: row.public_name for row in types}
    rooms = {row.id: redact(row.name) for row in ctx.session.execute(select(Room.id, Room.name))}
    places = {
        row.id: (redact(row.name), row.timezone)
        for row in ctx.session.execute(select(Location.id, Location.name, Location.timezone))
    }
    return visits, rooms, places


def events(
    ctx: Context, feed: CalendarFeed, window: Window, options: Options
) -> list[ics.TimedEvent]:
    """The feed's appointments, soonest first."""
    visits, rooms, places = _names(ctx)
    query = (
        select(
            A.id,
            A.starts_at,
            A.ends_at,
            A.status,
            A.sequence,
            A.updated_at,
            A.room_id,
            A.appointment_type_id,
            A.location_id,
            P.given_name,
            P.family_name,
        )
        .join(P, P.id == A.patient_id)
        .where(*_in_feed(feed, window))
        .order_by(A.starts_at, A.id)
    )
    base, host = options.public_url.rstrip("/"), options.host
    found = []
    for row in ctx.session.execute(query):
        place, zone = places[row.location_id]
        room = rooms.get(row.room_id) if row.room_id else None
        cancelled = row.status is AppointmentStatus.CANCELLED
        summary = title(
            visits.get(row.appointment_type_id, ""), row.given_name, row.family_name,
            full_names=options.full_names, cancelled=cancelled,
        )  # fmt: skip
        found.append(
            ics.TimedEvent(
                uid=f"{row.id}@{host}",
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                zone=zone,
                stamp=row.updated_at,
                sequence=row.sequence,
                summary=summary,
                location=", ".join(part for part in (room, place) if part),
                url=f"{base}/staff/appointments/{row.id}",
                cancelled=cancelled,
            )
        )
    return found


def tasks(
    ctx: Context, feed: CalendarFeed, window: Window, options: Options
) -> list[ics.AllDayItem]:
    """Monitoring forms due, as all-day items on the day they are due (the location's zone)."""
    if feed.kind is not FeedKind.CLINICIAN:
        return []
    columns = (N.id, N.due_at, N.zone, N.updated_at, N.appointment_id, P.given_name, P.family_name)
    query = _tasks(feed, window, *columns).join(P, P.id == A.patient_id).order_by(N.due_at, N.id)
    base, host = options.public_url.rstrip("/"), options.host
    return [
        ics.AllDayItem(
            uid=f"task-{row.id}@{host}",
            day=row.due_at.astimezone(ics.zone_info(row.zone)).date(),
            stamp=row.updated_at,
            summary=f"Monitoring form due ({initials(row[5], row[6])})",
            url=f"{base}/staff/appointments/{row.appointment_id}",
        )
        for row in ctx.session.execute(query)
    ]


def build(
    ctx: Context, feed: CalendarFeed, window: Window, options: Options, snap: Snapshot
) -> bytes:
    """The feed's text for ``snap`` (its busy blocks already read)."""
    zone = snap.zone or "UTC"
    busy = [
        ics.TimedEvent(
            uid=f"{block.uid}@{options.host}",
            starts_at=block.starts_at,
            ends_at=block.ends_at,
            zone=zone,
            stamp=window.starts_at,
            sequence=0,
            summary=block.summary,
        )
        for block in snap.busy
    ]
    head = ics.FeedHead(
        name=snap.name, refresh=options.refresh, first_day=window.starts_at.date(),
        last_day=window.ends_at.date(), zone=snap.zone,
    )  # fmt: skip
    timed = events(ctx, feed, window, options) + busy
    return ics.calendar(head, timed, tasks(ctx, feed, window, options))
