"""Minimum necessary: words that must never reach an SMS, an email subject or a calendar title."""

from __future__ import annotations

import re

# Drug, treatment and diagnosis words (DOMAIN.md, "Messages: privacy and consent").
FORBIDDEN_TERMS = (
    "ketamine",
    "esketamine",
    "spravato",
    "infusion",
    "depression",
    "depressive",
    "ptsd",
    "anxiety",
    "bipolar",
    "suicidal",
    "psychiatric",
    "rems",
    "iv",
    "nasal spray",
)

_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(term) for term in FORBIDDEN_TERMS) + r")\b", re.IGNORECASE
)


def forbidden_terms_in(text: str) -> list[str]:
    """The forbidden words found in ``text``, lower-cased, in order of appearance."""
    return [match.group(0).lower() for match in _PATTERN.finditer(text)]


_LEFTOVER_SPACE = re.compile(r"\s{2,}")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# Words left hanging at either end once a term is gone: "treatment for (depression)".
_DANGLING = re.compile(
    r"^(?:(?:for|with|and|of|or|&|\+)\s+)+|(?:\s+(?:for|with|and|of|or|&|\+))+$", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` without its forbidden words: a clinic called "Ketamine Wellness" is
    "Wellness" in an SMS. May be empty; the caller picks a neutral fallback."""
    if not _PATTERN.search(text):
        return text
    cleaned = _EMPTY_BRACKETS.sub(" ", _PATTERN.sub(" ", text))
    cleaned = _LEFTOVER_SPACE.sub(" ", cleaned).strip(" ,;:-/&+|()")
    return _DANGLING.sub("", cleaned).strip(" ,;:-/&+|()")
