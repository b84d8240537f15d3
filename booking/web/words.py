"""The plain words staff pages use for the outbox's and the inbox's codes, and for a refused
text: one place, so the patient, appointment and inbox pages say the same thing."""

from __future__ import annotations

from pydantic import ValidationError

from booking.schemas.inbox import ReplyIn
from booking.web.errors import sentence
from core.errors import DomainError

NOTICE_KIND = {
    "confirmation": "Booking confirmation",
    "week_before": "Reminder a week before",
    "days_before": "Reminder three days before",
    "preparation": "Preparation and fasting",
    "day_before": "Day-before reminder (confirm attendance and ride)",
    "hours_before": "Reminder two hours before",
    "pickup": "Escort: pick-up time",
    "ready_for_pickup": "Escort: ready for pick-up",
    "aftercare": "Aftercare",
    "check_in": "Next-day check-in",
    "rems_form": "Staff task: monitoring form",
    "cancellation": "Cancellation notice",
    "crisis_alert": "On-call alert",
    "staff_reply": "Staff text",
    "waitlist_offer": "Waitlist offer of a freed time",
}
NOTICE_STATUS = {
    "pending": "Planned",
    "claimed": "Sending now",
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "Failed",
    "skipped": "Not sent",
    "withdrawn": "Withdrawn (the appointment changed)",
}
NOTICE_REASON = {
    "passed": "its moment had passed before it was planned",
    "visit_started": "the visit had already started",
    "superseded": "a nearer reminder went instead",
    "covered_by_confirmation": "the booking confirmation already said it",
    "quiet_hours": "no moment outside quiet hours before it was needed",
    "no_usable_channel": "no way to reach them (no consent, or no phone or email)",
    "no_consent": "consent was withdrawn before it went out",
    "escort_not_told": "the patient asked that their escort not be told",
    "appointment_gone": "the appointment was cancelled or moved",
    "stale": "it no longer applied",
    "patient_gone": "the patient's record is gone",
    "retries_exhausted": "sending kept failing",
    "permanent_failure": "the provider refused it",
}
# A text in the conversation: ours by the send's state, theirs by whether staff saw to it.
TEXT_STATUS = {
    "pending": "waiting to send",
    "claimed": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "failed": "failed to send",
    "skipped": "not sent",
    "withdrawn": "not sent",
    "unread": "not handled yet",
    "handled": "handled",
}
ALERT_STATUS = {
    "pending": "on-call alert waiting to go",
    "claimed": "on-call alert sending",
    "sent": "on-call alert sent",
    "delivered": "on-call alert delivered",
    "failed": "on-call alert FAILED: phone the on-call clinician",
    "skipped": "on-call alert not sent: phone the on-call clinician",
    "withdrawn": "on-call alert withdrawn",
}
REFUSED = {
    "quiet_hours": "It is quiet hours for the patient. To send it now, give a reason below.",
    "no_sms_consent": "The patient has not agreed to texts; nothing was sent.",
    "opted_out": (
        "This number opted out (it replied STOP); nothing is texted to it until it texts "
        "START. Nothing was sent."
    ),
    "forbidden_words": "A text may not name a drug, a treatment or a diagnosis; nothing was sent.",
    "reply_needs_patient": (
        "This text is not matched to one patient: reply from the patient's own record."
    ),
}


def notice_reason(code: str | None) -> str:
    if not code:
        return ""
    return NOTICE_REASON.get(code, code.replace("_", " "))


def refused(exc: DomainError) -> str:
    """Why a text was not sent, as a sentence (the service's own words when not listed)."""
    words = exc.extra.get("words")
    said = REFUSED.get(exc.code, sentence(exc.message))
    if exc.code == "forbidden_words" and words:
        said += " Remove: " + ", ".join(str(w) for w in words) + "."
    return said


def reply_form(text: str, reason: str) -> ReplyIn | str:
    """The reply as the API reads it (same limits), or why it cannot be sent."""
    try:
        return ReplyIn(text=text, quiet_hours_reason=reason.strip() or None)
    except ValidationError as exc:
        fields = {str(e["loc"][-1]) for e in exc.errors()}
        if "text" in fields:
            return "Write the text to send (at most 1000 characters)."
        return "The reason is too long (at most 500 characters)."
