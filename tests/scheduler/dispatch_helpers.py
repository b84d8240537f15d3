"""A recording channel that fails on demand, a trivial renderer, and outbox rows to dispatch."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db import Database
from notifications.channels.base import ChannelKind, OutgoingMessage, Sent
from notifications.notices import Rendered
from scheduler.models import Notice, NoticeStatus
from scheduler.rules import Audience, NoticeKind
from tests.scheduler.facts_helpers import NOW


class RecordingChannel:
    """The console channel's shape: records each message; ``failures`` raise in turn first."""

    def __init__(self, kind: ChannelKind, *failures: BaseException) -> None:
        self.kind = kind
        self.sent: list[OutgoingMessage] = []
        self.failures = list(failures)
        self.during_send: Callable[[OutgoingMessage], None] | None = None
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Sent:
        if self.during_send is not None:
            self.during_send(message)
        with self._lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message)
            return Sent(provider_id=f"{self.kind}-{len(self.sent)}")


def render(
    kind: NoticeKind, audience: Audience, channel: ChannelKind, context: Mapping[str, Any]
) -> Rendered:
    subject = f"Your {kind}" if channel is ChannelKind.EMAIL else None
    return Rendered(f"{kind} for {audience} at {context.get('location_name', '')}", subject)


def add_notice(
    database: Database, *, channel: ChannelKind | None = ChannelKind.SMS, due_at: datetime = NOW,
    kind: NoticeKind = NoticeKind.DAY_BEFORE, send_before: datetime | None = None,
    fallbacks: list[list[str]] | None = None, key: str | None = None, **values: Any,
) -> uuid.UUID:  # fmt: skip
    address = {ChannelKind.SMS: "+16175550101", ChannelKind.EMAIL: "ada@example.org"}
    recipient = values.pop("recipient", address.get(channel) if channel else None)
    row = Notice(
        appointment_id=values.pop("appointment_id", uuid.uuid4()),
        key=key or f"{uuid.uuid4()}/{kind}/patient/1", kind=kind, audience=Audience.PATIENT,
        channel=channel, recipient=recipient, zone="America/New_York", moment_at=due_at,
        due_at=due_at, send_before=send_before, status=NoticeStatus.PENDING, attempts=0,
        context={"location_name": "Back Bay"}, fallbacks={"channels": fallbacks or []},
        created_at=NOW, updated_at=NOW, **values,
    )  # fmt: skip
    with database.session() as session:
        session.add(row)
    return row.id


def notice(database: Database, notice_id: uuid.UUID) -> Notice:
    with database.session(write=False) as session:
        row = session.get(Notice, notice_id)
        assert row is not None
        return row


def all_notices(database: Database) -> list[Notice]:
    with database.session(write=False) as session:
        return list(session.scalars(select(Notice).order_by(Notice.created_at, Notice.key)))
