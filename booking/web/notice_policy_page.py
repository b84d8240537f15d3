"""An appointment type's notice policy on a page: the same read and replace as
GET/PUT /api/v1/appointment-types/{id}/notice-policy.

Each notice kind is either the default (left out of the policy sent) or set here; the
service checks what may be set (which kinds a visit has, offsets, channels).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from booking.schemas.notice_policy import NoticePolicyIn, NoticeRuleIn
from booking.services import clinic_setup, notice_policy
from booking.web.errors import page_router
from booking.web.forms import Refusal, attempt, posted
from booking.web.pages import AdminPage, StaffPageContext, see_other
from notifications.channels.base import ChannelKind
from scheduler.rules import NoticeKind

router = page_router()
Posted = Annotated[FormData, Depends(posted)]
CHANNELS = tuple(ChannelKind)


def _page(
    page: StaffPageContext, type_id: uuid.UUID, *, refusal: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    kind = clinic_setup.get_appointment_type(page.ctx, type_id=type_id)
    policy = notice_policy.get_notice_policy(page.ctx, type_id=type_id)
    return page.render(
        "admin/notice_policy.html", kind=kind, policy=policy, channels=CHANNELS,
        refusal=refusal, saved=page.request.query_params.get("saved"), status_code=status_code,
    )  # fmt: skip


@router.get("/admin/types/{type_id}/notices")
def policy_page(page: AdminPage, type_id: uuid.UUID) -> HTMLResponse:
    return _page(page, type_id)


def rules_from(form: FormData) -> list[dict[str, object]]:
    """The kinds marked "set here", with what was set for each (the rest: defaults)."""
    rules: list[dict[str, object]] = []
    for kind in NoticeKind:
        if form.get(f"custom_{kind.value}") != "1":
            continue
        offset = str(form.get(f"offset_{kind.value}") or "").strip()
        channels = [str(c) for c in form.getlist(f"channels_{kind.value}")]
        rules.append({
            "kind": kind.value, "enabled": form.get(f"enabled_{kind.value}") == "1",
            "offset_minutes": offset or None, "channels": channels or None,
        })  # fmt: skip
    return rules


@router.post("/admin/types/{type_id}/notices")
def save_policy(page: AdminPage, type_id: uuid.UUID, form: Posted) -> Response:
    done = attempt(page, lambda: notice_policy.set_notice_policy(
        page.ctx, type_id=type_id,
        data=NoticePolicyIn(rules=[NoticeRuleIn.model_validate(r) for r in rules_from(form)]),
    ))  # fmt: skip
    if isinstance(done, Refusal):
        return _page(page, type_id, refusal=done, status_code=422)
    return see_other(f"/admin/types/{type_id}/notices?saved=1")
