"""The demo clinic fills in what patients read: descriptions, preparation, display names."""

from __future__ import annotations

from booking.demo import seed
from booking.services.clinic_info import clinic_information
from booking.services.context import Context


def test_the_demo_booking_page_describes_its_visits_and_names_its_clinicians(
    ctx: Context,
) -> None:
    seed(ctx)
    page = clinic_information(ctx, clinic_name="Harbor")
    assert [t.name for t in page.appointment_types] == ["Consultation", "Follow-up visit"]
    assert all(t.description for t in page.appointment_types)
    assert page.clinicians == [
        "Dr. Maya Okafor, MD", "Dr. Samuel Reyes, DO",
        "Jordan Lee, psychiatric nurse practitioner",
    ]  # fmt: skip
    assert [loc.address for loc in page.locations] == [
        "100 Harbor Street, Suite 2, Boston, MA 02110"
    ]
