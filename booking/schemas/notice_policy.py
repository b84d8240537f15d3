"""An appointment type's notice policy: which notices go, when, and on which channels."""

from __future__ import annotations

import uuid

from pydantic import Field, field_validator

from booking.notice_rules import MAX_OFFSET_MINUTES
from booking.schemas.fields import OutSchema, Schema
from notifications.channels.base import ChannelKind
from scheduler.rules import Anchor, Audience, NoticeKind

OffsetMinutes = int


class NoticeRuleIn(Schema):
    """One notice kind's override; a field left out (or null) keeps the default."""

    kind: NoticeKind
    enabled: bool | None = None
    # Minutes from the anchor: negative before the visit or its expected end, positive after
    # the discharge.
    offset_minutes: OffsetMinutes | None = Field(
        default=None, ge=-MAX_OFFSET_MINUTES, le=MAX_OFFSET_MINUTES
    )
    channels: list[ChannelKind] | None = Field(default=None, max_length=len(ChannelKind))

    @field_validator("channels")
    @classmethod
    def _each_once(cls, value: list[ChannelKind] | None) -> list[ChannelKind] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("name each channel once, in order of preference")
        return value


class NoticePolicyIn(Schema):
    """The type's whole set of overrides: a kind not listed goes back to its default."""

    rules: list[NoticeRuleIn] = Field(default_factory=list, max_length=len(NoticeKind))

    @field_validator("rules")
    @classmethod
    def _each_kind_once(cls, value: list[NoticeRuleIn]) -> list[NoticeRuleIn]:
        kinds = [rule.kind for rule in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError("name each notice kind once")
        return value


class NoticeRuleOut(OutSchema):
    kind: NoticeKind
    audience: Audience
    anchor: Anchor  # change, start, end or discharge
    offset_minutes: OffsetMinutes | None  # None: a fixed moment (the change, the check-in hour)
    channels: list[ChannelKind]  # in order of preference
    enabled: bool
    overridden: bool  # False: the default


class NoticePolicyOut(OutSchema):
    appointment_type_id: uuid.UUID
    visit_kind: str
    rules: list[NoticeRuleOut]
