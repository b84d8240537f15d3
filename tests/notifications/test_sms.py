from __future__ import annotations

import pytest

from notifications.sms import is_gsm7, sms_segments, to_gsm7


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters cost two septets
        ("€" * 81, 2),
        ("é" * 160, 1),  # é is in GSM-7's basic set
        ("ë" * 70, 1),  # ë is not: UCS-2
        ("ë" * 71, 2),
        ("ë" * 134, 2),
        ("ë" * 135, 3),
        ("😀" * 35, 1),  # two UCS-2 units each
        ("😀" * 36, 2),
    ],
)
def test_segments_follow_the_encoding(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


def test_typography_and_accents_become_gsm7_where_a_plain_form_exists() -> None:
    assert to_gsm7("Zoë O\u2019Neil \u2014 \u201c9:00\u201d\u2026") == 'Zoe O\'Neil - "9:00"...'
    assert is_gsm7(to_gsm7("Zoë O\u2019Neil \u2014 \u201c9:00\u201d\u2026"))


def test_characters_without_a_gsm7_form_are_kept() -> None:
    assert to_gsm7("李 Wei") == "李 Wei"
    assert not is_gsm7(to_gsm7("李 Wei"))
