"""What every use case receives: the open session, who is acting, and "now".

Who is acting decides what a use case allows: services read it from ``ctx.actor``, never
from a flag the caller passes, so a patient's request cannot be given the clinic's powers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Self, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Session

from booking.models import ActorKind, BookedBy
from core.db import Base
from core.errors import NotFound
from core.settings import Settings

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: uuid.UUID | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The clinic's own work, in-process only: no HTTP request is ever given one."""
        return cls(kind=ActorKind.SYSTEM, id=None, label=label)

    @classmethod
    def online(cls) -> Actor:
        """Anyone without a staff token: a patient as far as any rule is concerned."""
        return cls(kind=ActorKind.PATIENT, id=None, label="online")

    @classmethod
    def patient(cls, patient_id: uuid.UUID, label: str) -> Actor:
        return cls(kind=ActorKind.PATIENT, id=patient_id, label=label)

    @classmethod
    def staff(cls, user_id: uuid.UUID, label: str) -> Actor:
        return cls(kind=ActorKind.STAFF, id=user_id, label=label)

    @property
    def acts_for_clinic(self) -> bool:
        """Acts for the clinic: a signed-in staff member, or the clinic's own jobs. Books any
        active type, for a known patient, without the online minimum notice, may waive an
        escort with a reason and cancel on the clinic's behalf; a patient does none of it."""
        return self.kind in (ActorKind.STAFF, ActorKind.SYSTEM)

    @property
    def books_as(self) -> BookedBy:
        return BookedBy.STAFF if self.acts_for_clinic else BookedBy.PATIENT


@lru_cache(maxsize=64)
def _by_id(model: type[M]) -> Select[M]:
    (key,) = inspect(model).primary_key
    return select(model).where(key == bindparam("id"))


@dataclass(frozen=True)
class Context:
    session: Session
    actor: Actor
    now: datetime
    # The process's settings where a use case needs them (the quiet hours notices are
    # planned with); None: the defaults (tests, scripts).
    settings: Settings | None = field(default=None, kw_only=True)

    def get(self, model: type[M], id_: uuid.UUID, what: str) -> M:
        """Load by id or fail with a 404 that names the kind of thing, never the id's owner."""
        if self.session.identity_key(model, id_) in self.session.identity_map:
            found = self.session.get(model, id_)  # loaded already: no SQL, or a refresh
        else:
            # A statement built once per model: Session.get builds one for every call.
            found = self.session.execute(_by_id(model), {"id": id_}).scalar_one_or_none()
        if found is None:
            raise NotFound(what)
        return found

    def acting_as(self, actor: Actor) -> Self:
        return replace(self, actor=actor)
