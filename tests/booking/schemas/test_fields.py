"""Shared field types: what a phone number may look like."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from booking.schemas.fields import PhoneNumber

PHONE = TypeAdapter(PhoneNumber)


@pytest.mark.parametrize(
    "written",
    ["(617) 555-0111", "617.555.0111", "617-555-0111", "+1 617 555 0111", "+1 (617) 555-0111",
     "6175550111", "1-617-555-0111"],
)  # fmt: skip
def test_the_ways_people_write_a_phone_number_are_read(written: str) -> None:
    assert PHONE.validate_python(written) == "+16175550111"


@pytest.mark.parametrize(
    "junk",
    [
        "212-ABC-DEFG",  # keypad letters: phonenumbers would dial a stranger's 212-222-3334
        "1-800-FLOWERS",
        "617-555-0111 x12",  # an extension cannot be dialled by an SMS gateway
        "617-555-0111 ext. 12",
        "+1 617 555 0111;ext=12",
        "617/555/0111",
        "617-555-0111#",
        "tel:+16175550111",
        "+1 617 555 0111 +1",  # a plus sign only leads
        "\u0666\u0661\u0667\u0665\u0665\u0665\u0660\u0661\u0661\u0661",  # Arabic-Indic digits
        "\uff16\uff11\uff17\uff15\uff15\uff15\uff10\uff11\uff11\uff11",  # full-width digits
    ],
)
def test_letters_extensions_and_other_characters_are_refused(junk: str) -> None:
    with pytest.raises(ValidationError, match="phone"):
        PHONE.validate_python(junk)
