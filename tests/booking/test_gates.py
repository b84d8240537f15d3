"""The gates before a visit, as pure rules: no database, no app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.gates import ESCORT, check_gates
from booking.models import AppointmentKind, AppointmentType, Patient
from booking.schemas.appointments import EscortIn
from core.errors import DomainError

SIGNED = datetime(2026, 11, 1, tzinfo=UTC)
TREATMENT = AppointmentType(
    kind=AppointmentKind.IV_INFUSION, requires_consult=True, requires_consent=True,
    requires_rems=False, requires_escort=True,
)  # fmt: skip
RIDE = EscortIn(name="Pat Rivera", phone="+16175550199")


def _patient(**done: datetime | None) -> Patient:
    fields = {"consult_completed_at": None, "consent_signed_at": None, "rems_enrolled_at": None}
    return Patient(**(fields | done))


READY = {"consult_completed_at": SIGNED, "consent_signed_at": SIGNED}


def test_a_ready_patient_with_an_escort_passes() -> None:
    assert check_gates(TREATMENT, _patient(**READY), escort=RIDE, override_reason=None,
                       staff=False) is None  # fmt: skip


def test_what_is_missing_is_listed_and_clinical_gates_are_never_waived() -> None:
    with pytest.raises(DomainError) as refused:
        check_gates(TREATMENT, _patient(consult_completed_at=SIGNED), escort=None,
                    override_reason="spouse is in the waiting room", staff=True)  # fmt: skip
    assert refused.value.code == "gate_not_met"
    assert refused.value.extra["missing"] == ["signed treatment consent", ESCORT]
    assert "cannot be waived" in refused.value.message


@pytest.mark.parametrize(("staff", "reason", "waived"), [
    (True, "spouse is in the waiting room", True), (True, None, False),
    (False, "spouse is in the waiting room", False),
])  # fmt: skip
def test_only_staff_with_a_reason_waive_the_escort(
    staff: bool, reason: str | None, waived: bool
) -> None:
    patient = _patient(**READY)
    if waived:
        assert check_gates(TREATMENT, patient, escort=None, override_reason=reason,
                           staff=staff) == reason  # fmt: skip
        return
    with pytest.raises(DomainError) as refused:
        check_gates(TREATMENT, patient, escort=None, override_reason=reason, staff=staff)
    assert refused.value.extra["missing"] == [ESCORT]
