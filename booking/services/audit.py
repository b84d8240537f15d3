"""The audit log: one event per create, update or state change, in the same transaction."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import Column, inspect, select

from booking.models import AuditEvent
from booking.services.context import Context
from core.db import Base


def is_secret(field: str) -> bool:
    """Never copied into the log, whatever the entity: every stored hash of a password or
    token (a hash is all it takes to recognise a leaked token)."""
    return field.endswith("_hash")


def snapshot(entity: Base) -> dict[str, Any]:
    """The entity's column values as JSON-safe data, secrets left out (and values read
    from other tables, such as a patient's opt-out moment, which the entity does not own)."""
    return {key: _json_safe(getattr(entity, key)) for key in _logged_columns(type(entity))}


@cache
def _logged_columns(model: type[Base]) -> tuple[str, ...]:
    return tuple(
        column.key
        for column in inspect(model).column_attrs
        if not is_secret(column.key) and isinstance(column.expression, Column)
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so an event reads as what happened."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record(
    ctx: Context,
    *,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    patient_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> AuditEvent:
    event = AuditEvent(**event_values(
        ctx, action=action, entity=entity, before=before, after=after, patient_id=patient_id,
        appointment_id=appointment_id, reason=reason,
    ))  # fmt: skip
    ctx.session.add(event)
    return event


def event_values(
    ctx: Context,
    *,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    patient_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The columns of the event :func:`record` would add, for a caller that writes it with
    other rows in one statement (a booking's claim)."""
    entity_id = getattr(entity, "id", None)
    if not isinstance(entity_id, uuid.UUID):
        raise TypeError("audited entities need a UUID id")
    return {
        "id": uuid.uuid4(), "at": ctx.now, "actor_kind": ctx.actor.kind,
        "actor_id": ctx.actor.id, "actor_label": ctx.actor.label, "action": action,
        "entity_type": type(entity).__tablename__, "entity_id": entity_id,
        "patient_id": patient_id, "appointment_id": appointment_id, "reason": reason or None,
        "before": before, "after": after,
    }  # fmt: skip


def record_create(ctx: Context, entity: Base, *, action: str, **links: Any) -> AuditEvent:
    ctx.session.flush()  # assigns defaults, so the snapshot is what was stored
    return record(ctx, action=action, entity=entity, after=snapshot(entity), **links)


def list_events(
    ctx: Context,
    *,
    patient_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    if appointment_id is not None:
        query = query.where(AuditEvent.appointment_id == appointment_id)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return list(ctx.session.scalars(query))


def update_audited(
    ctx: Context, entity: Base, changes: dict[str, Any], *, action: str, **links: Any
) -> Base:
    """Apply ``changes`` and record the fields that really changed (nothing if none did)."""
    before = snapshot(entity)
    for key, value in changes.items():
        setattr(entity, key, value)
    ctx.session.flush()
    old, new = changed(before, snapshot(entity))
    if new:
        record(ctx, action=action, entity=entity, before=old, after=new, **links)
    return entity


def delete_audited(ctx: Context, entity: Base, *, action: str, **links: Any) -> None:
    record(ctx, action=action, entity=entity, before=snapshot(entity), **links)
    ctx.session.delete(entity)
    ctx.session.flush()
