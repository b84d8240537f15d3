"""Twilio's webhooks: is a request really Twilio's, and the TwiML we answer a text with.

Twilio signs each webhook with the account's auth token over the URL it called and the
form fields; the URL is the clinic's public one (``CLINIC_PUBLIC_URL``), never the address
this process sees behind a proxy, or every signature would fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

TWIML = "text/xml"


def form_fields(body: bytes) -> dict[str, str]:
    """A form-encoded body as fields (Twilio sends each field once)."""
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def is_signed(
    *, auth_token: str | None, url: str, fields: Mapping[str, str], signature: str | None
) -> bool:
    """Does ``signature`` (the X-Twilio-Signature header) match? No token: nothing is."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(fields), signature))


def twiml(text: str | None) -> str:
    """The answer to one text: a message back, or none (an empty ``<Response/>``)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
