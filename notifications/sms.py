"""SMS length: GSM-7 where possible, and how many segments a text costs.

A GSM-7 text fits 160 characters in one segment and 153 per segment when split (the rest
carries the concatenation header); one character outside GSM-7 turns the whole text into
UCS-2: 70 in one segment, 67 per segment when split. Extension characters (``€ [ ] { } …``)
cost two septets.
"""

from __future__ import annotations

import math
import unicodedata

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Typography that word processors and phones put into names and addresses.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\t": " ",
    }
)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _gsm_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    # "ë" -> "e": keep the letter, drop the accent GSM-7 lacks. Anything else stays (UCS-2).
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else char


def to_gsm7(text: str) -> str:
    """The same text in GSM-7 where a plain equivalent exists (quotes, dashes, accents)."""
    return "".join(_gsm_char(char) for char in text.translate(_PLAIN))


def sms_segments(text: str) -> int:
    """How many segments a carrier bills for ``text`` (0 for the empty text)."""
    if not text:
        return 0
    if is_gsm7(text):
        septets = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two UCS-2 units
    return 1 if units <= 70 else math.ceil(units / 67)
