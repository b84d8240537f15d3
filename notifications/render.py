"""Turn a notice and its context into the text a channel sends (Jinja2 templates).

What reaches an SMS, an email subject or the escort is rendered from a neutral copy of the
context: every value without the forbidden words of ``privacy`` (a clinic named after a drug
loses that word; a manage link that names one is left out). Email bodies to the patient use
the context as given: the patient chose email, and preparation belongs there.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from notifications.channels.base import ChannelKind
from notifications.notices import Audience, CancelledBy, MessageContext, NoticeTemplate, Rendered
from notifications.privacy import forbidden_terms_in, redact
from notifications.sms import to_gsm7

__all__ = [
    "Audience",
    "CancelledBy",
    "MessageContext",
    "NoticeTemplate",
    "PrivacyError",
    "Rendered",
    "audiences",
    "consent_wording",
    "render",
]

_TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_ENV.globals["parts"] = _ENV.get_template("_parts.txt").module

# Neutral stand-ins for a value that was nothing but forbidden words.
_FALLBACKS = {"clinic_name": "Your clinic", "visit_name": "visit", "location_name": "the clinic"}
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


class PrivacyError(ValueError):
    """A rendered SMS or subject would carry a forbidden word: a template bug, never sent."""


def audiences(kind: NoticeTemplate) -> frozenset[Audience]:
    """Who a notice can be written for (the escort only hears about pickups and changes)."""
    blocks = _template(kind).blocks
    found = {Audience.PATIENT} if "sms" in blocks else set()
    return frozenset(found | ({Audience.ESCORT} if "escort_sms" in blocks else set()))


def render(
    kind: NoticeTemplate, audience: Audience, channel: ChannelKind, context: MessageContext
) -> Rendered:
    if audience not in audiences(kind):
        raise ValueError(f"{kind.value} has no message for the {audience.value}")
    prefix = "escort_" if audience is Audience.ESCORT else ""
    neutral = _neutral(context)
    if channel is ChannelKind.SMS:
        text = _SPACES.sub(" ", _block(kind, f"{prefix}sms", neutral)).strip()
        if context.first_sms:
            text = f"{text} {_consent(neutral)}"
        text = to_gsm7(text)
        _check(text)
        return Rendered(text=text)
    subject = _SPACES.sub(" ", _block(kind, f"{prefix}subject", neutral)).strip()
    _check(subject)
    body_values = neutral if audience is Audience.ESCORT else _values(context)
    text = _tidy(_block(kind, f"{prefix}email", body_values))
    text += "\n" + _tidy(_block_of("signature.txt", "email", neutral))
    return Rendered(text=text, subject=subject, html=_html(subject, text, context.manage_url))


def consent_wording(clinic_name: str, *, messages_per_visit: int = 4) -> str:
    """The consent wording the first text to a number carries (DOMAIN.md: the clinic,
    the frequency, "Msg & data rates may apply", HELP and STOP), for texts that are not
    rendered from a notice template (a staff member's reply)."""
    values = {"clinic_name": redact(clinic_name) or _FALLBACKS["clinic_name"],
              "messages_per_visit": messages_per_visit}  # fmt: skip
    return to_gsm7(_consent(values))


def _consent(values: dict[str, Any]) -> str:
    return _SPACES.sub(" ", _block_of("consent.txt", "sms", values)).strip()


@cache
def _template(kind: NoticeTemplate) -> Template:
    return _ENV.get_template(f"{kind.value}.txt")


def _block(kind: NoticeTemplate, name: str, values: dict[str, Any]) -> str:
    return _block_of(f"{kind.value}.txt", name, values)


def _block_of(template_name: str, name: str, values: dict[str, Any]) -> str:
    template = _ENV.get_template(template_name)
    return "".join(template.blocks[name](template.new_context(values)))


def _values(context: MessageContext) -> dict[str, Any]:
    values = {field.name: getattr(context, field.name) for field in dataclasses.fields(context)}
    values["cancelled_by"] = CancelledBy(context.cancelled_by).value
    values["has_preparation"] = bool(context.preparation or context.fasting)
    return values


def _neutral(context: MessageContext) -> dict[str, Any]:
    values = _values(context)
    for name, value in values.items():
        if isinstance(value, str) and name not in {"manage_url", "cancelled_by"}:
            values[name] = redact(value) or _FALLBACKS.get(name, "")
    for name in ("patient_first_name", "escort_name"):
        values[name] = values[name] or None
    values["series_sessions"] = tuple(redact(s) for s in context.series_sessions)
    # A link is not reworded: one that names a drug stays out of the text.
    values["manage_url"] = None if forbidden_terms_in(context.manage_url) else context.manage_url
    values["preparation"], values["fasting"] = None, ()  # email body only
    return values


def _check(text: str) -> None:
    found = forbidden_terms_in(text)
    if found:
        raise PrivacyError(f"forbidden words in a message: {', '.join(found)}")


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


def _html(subject: str, text: str, link: str) -> str:
    """The plain text as HTML paragraphs (autoescaped), the manage link made clickable."""
    linkable = link if link.startswith(("https://", "http://")) else None
    paragraphs = [
        [_pieces(line, linkable) for line in paragraph.splitlines()]
        for paragraph in text.strip().split("\n\n")
    ]
    return _ENV.get_template("email.html").render(subject=subject, paragraphs=paragraphs)


def _pieces(line: str, link: str | None) -> list[tuple[str, bool]]:
    if not link or link not in line:
        return [(line, False)]
    pieces: list[tuple[str, bool]] = []
    for index, piece in enumerate(line.split(link)):
        if index:
            pieces.append((link, True))
        if piece:
            pieces.append((piece, False))
    return pieces
