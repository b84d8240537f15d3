"""Setup forms on pages: fields described once, read into the API's own schemas.

A page form is a list of :class:`Field`; :func:`read` turns the posted values into the
dict the API's request schema validates (a blank optional field is left out, so the
schema's default or the stored value holds, or is cleared where the field may be empty),
and :func:`attempt` runs the service call, turning what it refuses into messages for the
form instead of an error page. The rules stay in the schemas and services.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from booking.web.errors import sentence
from booking.web.pages import StaffPageContext
from core.errors import DomainError

T = TypeVar("T")
CONFIRM_FIELD = "confirm_affected"


class Kind(enum.StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PASSWORD = "password"  # noqa: S105 - the input type
    NUMBER = "number"
    TIME = "time"
    DATE = "date"
    WHEN = "datetime-local"  # a wall-clock moment in the clinic's zone
    TEXTAREA = "textarea"
    CHECK = "checkbox"
    SELECT = "select"
    CHOICES = "choices"  # several checkboxes, one list


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    hint: str = ""
    required: bool = False
    # A blank value clears the stored one (sent as null) instead of keeping it.
    clearable: bool = False
    options: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def with_options(self, options: Sequence[tuple[str, str]]) -> Field:
        return Field(
            self.name, self.label, self.kind, self.hint, self.required, self.clearable, options
        )


async def posted(request: Request) -> FormData:
    """The form PageRoute already parsed for its CSRF check (read once, cached)."""
    return await request.form()


def read(form: FormData, fields: Sequence[Field], *, zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for one in fields:
        if one.kind is Kind.CHECK:
            values[one.name] = one.name in form
        elif one.kind is Kind.CHOICES:
            values[one.name] = [str(v) for v in form.getlist(one.name)]
        else:
            text = str(form.get(one.name) or "").strip()
            if text:
                values[one.name] = _wall_moment(text, zone) if one.kind is Kind.WHEN else text
            elif one.clearable:
                values[one.name] = None
    return values


def _wall_moment(text: str, zone: str) -> str:
    """2026-12-03T09:00 at the clinic -> an ISO instant with its offset (as the API takes)."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).isoformat()
    except ValueError:
        return text  # the schema says what is wrong with it


def shown(values: dict[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """What a re-rendered form shows: what was typed, never a password."""
    return {f.name: values.get(f.name) for f in fields if f.kind is not Kind.PASSWORD}


def initial(obj: object, fields: Sequence[Field], zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for one in fields:
        value = getattr(obj, one.name, None)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
        values[one.name] = value
    return values


@dataclass
class Refusal:
    """Why a form was not saved: per-field messages, a sentence, stranded appointments."""

    message: str
    errors: dict[str, str] = field(default_factory=dict)
    affected: list[dict[str, Any]] = field(default_factory=list)
    removing: uuid.UUID | None = None  # the item a refused removal was about


def _field_errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(where, sentence(error["msg"].removeprefix("Value error, ")))
    return found


def attempt(page: StaffPageContext, call: Callable[[], T]) -> T | Refusal:
    """Run ``call``; what a schema or a rule refuses rolls back the request's changes (as a
    raised error would) and comes back as a Refusal the form shows."""
    try:
        return call()
    except ValidationError as exc:
        page.ctx.session.rollback()
        return Refusal("Please check the fields marked below.", errors=_field_errors(exc))
    except DomainError as exc:
        page.ctx.session.rollback()
        named = exc.extra.get("appointments", []) if exc.code == "affects_appointments" else []
        affected = [dict(a, starts_at=datetime.fromisoformat(a["starts_at"])) for a in named]
        if affected:
            message = (
                f"This change strands {len(affected)} booked appointment(s). Go ahead only if "
                "the front desk will move or cancel them: they will be listed as needing "
                "attention."
            )
            return Refusal(message, affected=affected)
        return Refusal(sentence(exc.message), errors=_named_field(exc))


def _named_field(exc: DomainError) -> dict[str, str]:
    errors = exc.extra.get("errors")
    if not isinstance(errors, list):
        return {}
    found: dict[str, str] = {}
    for item in errors:
        if isinstance(item, dict) and "field" in item:
            found.setdefault(str(item["field"]), sentence(str(item.get("message", ""))))
    return found
