"""What a text from a patient makes us send: the on-call crisis alert, and a staff reply.

The alert says only that an urgent message came and where to read it: no body, no name,
no diagnosis or drug word (DOMAIN.md's minimum necessary; email is not a secure channel).
A staff reply is the staff member's own words, refused upstream if they carry a forbidden
word, and never changed here (a number's first text gets the consent wording after them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifications.notices import Rendered
from notifications.privacy import redact
from notifications.render import consent_wording

ALERT_SUBJECT = "Urgent message from a patient - open the staff inbox"


def inbox_link(public_url: str, patient_id: str | None) -> str:
    """The staff inbox, narrowed to the patient's conversation when we know the patient."""
    base = public_url.rstrip("/") + "/api/v1/inbox?state=unread"
    return f"{base}&patient_id={patient_id}" if patient_id else base


def crisis_alert(clinic_name: str, public_url: str, context: Mapping[str, Any]) -> Rendered:
    """The on-call email: urgent, where to look, and the ids staff need, nothing more."""
    patient_id = context.get("patient_id")
    link = inbox_link(public_url, str(patient_id) if patient_id else None)
    who = f"Patient id: {patient_id}" if patient_id else "Sender: not matched to a patient"
    clinic = redact(clinic_name) or "the clinic"
    text = (
        f"An urgent message from a patient reached {clinic}. The patient was answered at once"
        " with 988 and 911.\n\n"
        f"Open the staff inbox now: {link}\n"
        f"{who}\nMessage id: {context.get('inbound_id', '')}\n\n"
        "The message itself is only in the staff inbox."
    )
    return Rendered(text=text, subject=ALERT_SUBJECT)


def staff_reply(clinic_name: str, context: Mapping[str, Any]) -> Rendered:
    """The reply as the staff member wrote it; the first text to a number carries the
    consent wording after it, like any first text."""
    text = str(context.get("text") or "")
    if context.get("first_sms"):
        text = f"{text} {consent_wording(clinic_name)}"
    return Rendered(text=text)
