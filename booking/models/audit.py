"""The audit log: who changed what, when, from which values to which."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.types import EnumText


class ActorKind(enum.StrEnum):
    """Who acts: a signed-in staff member, a patient (online without a login, or through a
    manage link), or the clinic's own jobs run in-process (CLI, demo, dispatch)."""

    STAFF = "staff"
    PATIENT = "patient"
    SYSTEM = "system"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "entity_type", "entity_id", "seq"),
        Index(None, "patient_id", "seq"),
        Index(None, "appointment_id", "seq"),
    )

    # The order events were written in, even when many share one instant.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)

    at: Mapped[datetime]
    actor_kind: Mapped[ActorKind] = mapped_column(EnumText(ActorKind, 16))
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[uuid.UUID]
    patient_id: Mapped[uuid.UUID | None]
    appointment_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
