"""What a feed shows, read from the book into plain data (booking.feeds.ics writes it).

A :class:`Snapshot` is the cheap part: a few aggregates over the feed's appointments and
tasks, its busy blocks and the setup version. Its ``key`` changes whenever anything the
feed shows changes (every booking change bumps an appointment's sequence and updated_at;
a booking or a row leaving the feed changes the count), so it is the feed's ETag and a
revalidation reads nothing more. Only a changed key reads the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from booking.feeds import appointments, ics, tokens
from booking.feeds.shown import Options, calendar_name, initials
from booking.models import (
    Appointment,
    AppointmentStatus,
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
from notifications.privacy import redact
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind

A, P, N = Appointment, Patient, Notice


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
    setup: int  # the setup version the names were read under


def in_feed(feed: CalendarFeed, window: Window) -> list[ColumnElement[bool]]:
    """The feed's appointments: its subject's, in the window, cancelled ones for a while."""
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


# What a calendar is called when its subject's name may not show (see shown.calendar_name).
_FALLBACK = {FeedKind.CLINICIAN: "Calendar", FeedKind.ROOM: "Room", FeedKind.LOCATION: "Location"}


def _name(ctx: Context, feed: CalendarFeed, locations: list[Location]) -> str:
    name = calendar_name(tokens.subject_name(ctx, feed), _FALLBACK[feed.kind])
    if feed.kind is FeedKind.ROOM and locations:
        return f"{name} ({calendar_name(locations[0].name, 'Location')})"
    return name


@dataclass(frozen=True)
class _Setup:
    """What a feed shows of the setup: it changes only with the setup version."""

    busy: tuple[Busy, ...]
    name: str
    zone: str | None


# Per process, by (feed kind, subject, setup version, window): time off, closures, working
# hours and names all bump the setup version, so a revalidation need not read them.
_SETUP: dict[tuple[Any, ...], _Setup] = {}


def _setup(ctx: Context, feed: CalendarFeed, window: Window, version: int) -> _Setup:
    key = (feed.kind, feed.subject_id, version, window)
    known = _SETUP.get(key)
    if known is None:
        if len(_SETUP) > 10_000:
            _SETUP.clear()
        locations = _locations(ctx, feed)
        zone = locations[0].timezone if locations else None
        busy = tuple(_busy(ctx, feed, window, locations))
        known = _SETUP[key] = _Setup(busy, _name(ctx, feed, locations), zone)
    return known


def snapshot(ctx: Context, feed: CalendarFeed, window: Window) -> Snapshot:
    """The feed's version: two or three small reads (Core: this runs on every poll)."""
    connection = ctx.session.connection()
    aggregates = select(
        func.count(), func.max(A.updated_at), func.coalesce(func.sum(A.sequence), 0)
    ).where(*in_feed(feed, window))
    counts = tuple(connection.execute(aggregates).one())
    tasks: tuple[Any, ...] = ()
    if feed.kind is FeedKind.CLINICIAN:
        columns = (func.count(), func.max(N.updated_at))
        tasks = tuple(connection.execute(_tasks(feed, window, *columns)).one())
    version = connection.execute(select(SetupVersion.version)).scalar() or 0
    setup = _setup(ctx, feed, window, version)
    key = (counts, tasks, version, setup.zone, window)
    return Snapshot(key=key, busy=setup.busy, name=setup.name, zone=setup.zone, setup=version)


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
    texts, zones = appointments.texts(ctx, in_feed(feed, window), options, setup=snap.setup)
    texts += [ics.timed_text(block) for block in busy]
    texts += [ics.all_day_text(item) for item in tasks(ctx, feed, window, options)]
    return ics.assemble(head, zones | {block.zone for block in busy}, texts)
