"""Twilio's webhooks: public, and refused with 403 unless Twilio's signature matches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from booking.api.deps import AppSettings, PublicContext
from booking.services import delivery, inbound
from core.errors import DomainError
from notifications.twilio_webhooks import TWIML, form_fields, is_signed, twiml

router = APIRouter(tags=["webhooks"])
INBOUND_SMS = "/webhooks/twilio/sms"
DELIVERY_STATUS = "/webhooks/twilio/status"
MAX_BODY = 64 * 1024  # bytes read before the signature is checked
SIGNED_ROUTES = frozenset({("POST", INBOUND_SMS), ("POST", DELIVERY_STATUS)})


class BadSignature(DomainError):
    def __init__(self) -> None:
        super().__init__("invalid_signature", "the request is not signed by Twilio", 403)


class TooLarge(DomainError):
    def __init__(self) -> None:
        super().__init__("too_large", f"a webhook body is at most {MAX_BODY} bytes", 413)


async def _bounded_body(request: Request) -> bytes:
    """The body, refused past ``MAX_BODY`` without reading the rest: Twilio's fields are far
    smaller, and nothing unsigned should cost memory."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge()
    return body


async def signed_form(request: Request, settings: AppSettings) -> dict[str, str]:
    """The form fields of a request Twilio signed, checked against the public URL before
    any database work (so a forged request costs nothing and changes nothing)."""
    fields = form_fields(await _bounded_body(request))
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    signature = request.headers.get("X-Twilio-Signature")
    if not is_signed(
        auth_token=settings.twilio_auth_token, url=url, fields=fields, signature=signature
    ):
        raise BadSignature()
    return fields


SignedForm = Annotated[dict[str, str], Depends(signed_form)]
_TWIML_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "TwiML: the text we answer with, if any.",
        "content": {TWIML: {"schema": {"type": "string"}}},
    }
}


@router.post(INBOUND_SMS, response_class=Response, responses=_TWIML_ANSWER)
def receive_sms(form: SignedForm, ctx: PublicContext, settings: AppSettings) -> Response:
    """A text a patient or escort sent (Twilio's form fields ``MessageSid``, ``From``,
    ``Body``): stored once per MessageSid, matched by phone, acted on (confirm, reschedule
    link, STOP / START, HELP), crisis words raised as urgent, and answered in TwiML."""
    message = inbound.Incoming(
        sid=form.get("MessageSid") or form.get("SmsSid") or "",
        from_number=form.get("From", ""), body=form.get("Body", ""),
    )  # fmt: skip
    text = inbound.receive(
        ctx, message=message, clinic_name=settings.name, public_url=settings.public_url,
        oncall_email=settings.oncall_email,
    )  # fmt: skip
    return Response(twiml(text), media_type=TWIML)


@router.post(DELIVERY_STATUS, status_code=204, response_class=Response)
def delivery_status(form: SignedForm, ctx: PublicContext) -> Response:
    """Twilio's report on a text we sent (``MessageSid``, ``MessageStatus``, ``ErrorCode``):
    the notice moves forward only (delivered stays delivered); repeats change nothing."""
    delivery.report(
        ctx, message_sid=form.get("MessageSid", ""), status=form.get("MessageStatus", ""),
        error_code=form.get("ErrorCode") or None,
    )  # fmt: skip
    return Response(status_code=204)
