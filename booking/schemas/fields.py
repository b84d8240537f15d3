"""Field types shared by the schemas: names, zones, phone numbers, e-mail addresses."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from core.clock import as_utc
from core.settings import get_settings


class Schema(BaseModel):
    """Input schemas reject unknown fields so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; SQLite can: refuse it the same way on both.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value


def _drop_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The document says what the validator says: a field outside NULLABLE takes no null."""
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if name in nullable or not options:
            continue
        kept = [option for option in options if option != {"type": "null"}]
        prop.pop("anyOf")
        prop.pop("default", None)
        prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})


class PatchSchema(Schema):
    """A partial update: a field left out keeps its value; null is refused unless the field
    may really be empty (listed in NULLABLE, where null clears it), so it never reaches a
    NOT NULL column. The JSON schema drops null from every other field to match."""

    model_config = ConfigDict(json_schema_extra=_drop_null)
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("may not be null: leave the field out to keep its value")
        return value


class OutSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Keys zoneinfo lists that are not IANA zones: "localtime" is whatever the server's
# /etc/localtime says, so a location's hours would move with the machine they run on.
_NOT_IANA = frozenset({"localtime", "posixrules", "Factory"})


def _check_zone(name: str) -> str:
    if name not in _zones() or name in _NOT_IANA or name.startswith(("posix/", "right/")):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as America/New_York")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
        _ZONES.add("UTC")
    return _ZONES


# What people write in a phone number: ASCII digits, a leading +, and the usual separators.
# Nothing else: phonenumbers reads keypad letters as digits (212-ABC-DEFG is 212-222-3334,
# a stranger who would get the reminders), and an extension cannot receive an SMS.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ().-]+")


def to_e164(raw: str) -> str:
    """Normalise a phone number to E.164, reading national numbers in the clinic's region."""
    if not _PHONE_CHARACTERS.fullmatch(raw):
        raise ValueError(
            "a phone number has digits, spaces, a leading +, '-', '.' and parentheses only"
        )
    try:
        number = phonenumbers.parse(raw, get_settings().default_phone_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc  # no echo: it is patient data
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _lower(value: str) -> str:
    return value.lower()


Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
PhoneNumber = Annotated[str, StringConstraints(max_length=40), AfterValidator(to_e164)]
Email = Annotated[EmailStr, AfterValidator(_lower)]
# Far enough either side for any real use, near enough that date arithmetic (a day either
# side, a booking horizon) can never overflow into a 500.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


# What the validators accept, written as the patterns the OpenAPI document carries, so a
# client (or a fuzzer) reading the document sends exactly what the server takes: ISO 8601
# text only (no Unix timestamps), years 1900-2199.
_DAY = r"(19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d"
DATE_PATTERN = f"^{_DAY}$"
INSTANT_PATTERN = rf"^{_DAY}T{_CLOCK}(:[0-5]\d(\.\d{{1,6}})?)?(Z|[+-]{_CLOCK})$"
WALL_TIME_PATTERN = rf"^{_CLOCK}(:[0-5]\d)?$"


def shaped(pattern: str, hint: str) -> BeforeValidator:
    """Text must match ``pattern``; values the code builds (a date read back) pass as they are."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, date | time):
            return value
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(hint)
        return value

    return BeforeValidator(check)


def text_schema(pattern: str, fmt: str | None = None) -> WithJsonSchema:
    schema = {"type": "string", "pattern": pattern} | ({"format": fmt} if fmt else {})
    return WithJsonSchema(schema)


def _plannable_day(value: date) -> date:
    if not _FIRST_DAY <= value <= _LAST_DAY:
        raise ValueError("dates must fall between 1900 and 2199")
    return value


def _plannable_instant(value: datetime) -> datetime:
    _plannable_day(value.date())
    return value


def _with_offset(value: datetime) -> str:
    return value.isoformat()


# Instants in answers are written with their numeric offset. Pydantic writes a zero offset as
# "Z", which says UTC even when the zone asked for is London in winter (+00:00).
_WITH_OFFSET = PlainSerializer(_with_offset, return_type=str, when_used="json")
_DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")

_RANGE = "between 1900 and 2199"
CalendarDate = Annotated[
    date,
    shaped(DATE_PATTERN, f"give a date as YYYY-MM-DD, {_RANGE}"),
    AfterValidator(_plannable_day),
    text_schema(DATE_PATTERN, "date"),
]
# An instant in an answer: in the zone it was given in (see LocalTimes), with its offset.
Instant = Annotated[AwareDatetime, _WITH_OFFSET, _DATE_TIME]
# An instant with its offset, normalised to UTC so answers read the same whatever was sent.
# The range is checked before the conversion: converting 9999-12-31T23:00-05:00 overflows.
UtcDatetime = Annotated[
    AwareDatetime,
    shaped(INSTANT_PATTERN, f"give an ISO 8601 instant with its UTC offset, {_RANGE}"),
    AfterValidator(_plannable_instant),
    AfterValidator(as_utc),
    _WITH_OFFSET,
    text_schema(INSTANT_PATTERN, "date-time"),
]


class LocalTimes(OutSchema):
    """An answer about something that happens at a location (a hold, an appointment, a
    waitlist match): its instants are written in that location's zone, named by ``timezone``,
    so a client shows the clinic's wall-clock time without looking the location up."""

    timezone: str = Field(
        validation_alias=AliasChoices("timezone", AliasPath("location", "timezone")),
        description="the location's IANA zone, in which every instant of this answer is written",
    )

    @model_validator(mode="after")
    def _in_local_time(self) -> Self:
        zone = ZoneInfo(self.timezone)
        for name, value in self:
            if isinstance(value, datetime):
                setattr(self, name, value.astimezone(zone))
        return self
