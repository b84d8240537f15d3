"""The plain words staff pages give for a refused text and the outbox's codes."""

from __future__ import annotations

from booking.schemas.inbox import ReplyIn
from booking.web import words
from core.errors import Conflict, Invalid
from scheduler.models import NoticeStatus
from scheduler.policy import Reason
from scheduler.rules import NoticeKind


def test_a_refused_text_is_explained_and_names_the_words_to_remove() -> None:
    said = words.refused(
        Invalid("forbidden_words", "a text may not name a drug", words=["esketamine", "ptsd"])
    )
    assert said.endswith("Remove: esketamine, ptsd.")
    assert "quiet hours" in words.refused(Conflict("quiet_hours", "it is quiet hours"))
    assert words.refused(Conflict("something_new", "the rule said no")) == "The rule said no."


def test_the_reply_form_keeps_the_api_limits() -> None:
    assert words.reply_form("  hello ", "  ") == ReplyIn(text="hello", quiet_hours_reason=None)
    assert words.reply_form("   ", "").startswith("Write the text")  # type: ignore[union-attr]
    assert words.reply_form("x" * 1001, "") == words.reply_form("", "")
    assert "reason" in str(words.reply_form("hi", "r" * 501))


def test_every_status_kind_and_reason_has_plain_words() -> None:
    assert set(words.NOTICE_STATUS) == {s.value for s in NoticeStatus}
    assert set(words.ALERT_STATUS) == {s.value for s in NoticeStatus}
    assert {s.value for s in NoticeStatus} <= set(words.TEXT_STATUS)
    assert set(words.NOTICE_KIND) == {k.value for k in NoticeKind}
    assert {r.value for r in Reason} <= set(words.NOTICE_REASON)
    assert words.notice_reason(None) == ""
    assert words.notice_reason("brand_new") == "brand new"
