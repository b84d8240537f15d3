"""The gates before a visit (pure rules, no database): a completed consult, signed consent,
REMS enrollment (esketamine) and a named escort."""

from __future__ import annotations

from booking.models import AppointmentType, Patient
from booking.schemas.appointments import EscortIn
from core.errors import DomainError

ESCORT = "a named adult escort (name and phone)"


def check_gates(
    kind: AppointmentType,
    patient: Patient,
    *,
    escort: EscortIn | None,
    override_reason: str | None,
    staff: bool,
) -> str | None:
    """Only the escort may be waived, by staff with a reason; the clinical gates are recorded
    on the patient by a clinician (REMS is the law, not a preference).

    Returns the override reason when it was used, for the caller to audit."""
    missing = [
        message
        for needed, met, message in (
            (kind.requires_consult, patient.consult_completed_at, "a completed consult"),
            (kind.requires_consent, patient.consent_signed_at, "signed treatment consent"),
            (kind.requires_rems, patient.rems_enrolled_at, "REMS enrollment"),
            (kind.requires_escort, escort, ESCORT),
        )
        if needed and not met
    ]
    if not missing:
        return None
    if missing == [ESCORT] and staff and override_reason:
        return override_reason
    if missing == [ESCORT] and staff:
        hint = "; staff may waive it with gate_override_reason"
    elif staff:
        hint = "; a clinician records clinical gates on the patient (they cannot be waived)"
    else:
        hint = ""
    raise DomainError(
        "gate_not_met", "this appointment needs " + ", ".join(missing) + hint, 422,
        missing=missing,
    )  # fmt: skip
