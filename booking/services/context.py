"""What every use case receives: the open session, who is acting, and "now"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from core.db import Base
from core.errors import NotFound
from core.settings import Settings

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | patient | system
    id: uuid.UUID | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", id=None, label=label)


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
        found = self.session.get(model, id_)
        if found is None:
            raise NotFound(what)
        return found
