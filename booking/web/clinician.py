"""The clinician's pages: their day and week, the REMS tasks due, their calendar feeds.

A clinician sees their own schedule (the clinician their account is linked to); an admin
may pick any clinician. Feeds go through the same use cases as /api/v1/feeds: a new or
rotated address is shown on the answer to that POST only, never stored to be shown again.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Form, Response
from fastapi.responses import HTMLResponse

from booking.feeds import service as feeds
from booking.models import Clinician, FeedKind, Role
from booking.schemas.feeds import FeedIn, FeedIssued
from booking.schemas.fields import CalendarDate
from booking.services import clinic_setup, notices, schedule
from booking.web.errors import page_router
from booking.web.pages import ClinicalPage, StaffPageContext, see_other

router = page_router()
WEEK = 7


def _today(page: StaffPageContext) -> date:
    return page.ctx.now.astimezone(schedule_zone(page)).date()


def schedule_zone(page: StaffPageContext) -> ZoneInfo:
    return ZoneInfo(schedule.clinic_zone(page.ctx))


def _whose(
    page: StaffPageContext, asked: uuid.UUID | None
) -> tuple[Clinician | None, list[Clinician]]:
    """(the clinician shown, the ones an admin may pick from). A clinician's own only:
    whatever they ask for, the role decides."""
    if page.staff.role is Role.ADMIN:
        everyone = clinic_setup.list_clinicians(page.ctx)
        chosen = next((c for c in everyone if c.id == asked), everyone[0] if everyone else None)
        return chosen, everyone
    own = page.staff.clinician_id
    return (clinic_setup.load_clinician(page.ctx, own) if own else None), []


@router.get("/clinician")
@router.get("/clinician/day")
def my_day(
    page: ClinicalPage, day: CalendarDate | None = None, clinician: uuid.UUID | None = None
) -> HTMLResponse:
    chosen, everyone = _whose(page, clinician)
    on = day or _today(page)
    shown = schedule.days(page.ctx, clinician_id=chosen.id, first=on, count=1) if chosen else []
    tasks = notices.tasks(page.ctx, clinician_id=chosen.id) if chosen else []
    return page.render(
        "clinician/day.html", clinician=chosen, everyone=everyone, on=on,
        day=shown[0] if shown else None, tasks=tasks, before=on - timedelta(days=1),
        after=on + timedelta(days=1),
    )  # fmt: skip


@router.get("/clinician/week")
def my_week(
    page: ClinicalPage, start: CalendarDate | None = None, clinician: uuid.UUID | None = None
) -> HTMLResponse:
    chosen, everyone = _whose(page, clinician)
    first = start or _today(page)
    first -= timedelta(days=first.weekday())  # weeks start on Monday, as the hours do
    week = (
        schedule.days(page.ctx, clinician_id=chosen.id, first=first, count=WEEK) if chosen else []
    )
    return page.render(
        "clinician/week.html", clinician=chosen, everyone=everyone, first=first, week=week,
        before=first - timedelta(days=WEEK), after=first + timedelta(days=WEEK),
    )  # fmt: skip


def _feeds_page(page: StaffPageContext, *, issued: FeedIssued | None = None) -> HTMLResponse:
    everyone = clinic_setup.list_clinicians(page.ctx) if page.staff.role is Role.ADMIN else []
    return page.render(
        "clinician/feeds.html", feeds=feeds.listed(page.ctx, staff=page.staff),
        subscribing=feeds.subscribing(), issued=issued, everyone=everyone,
        linked=page.staff.clinician_id is not None,
    )  # fmt: skip


@router.get("/clinician/feeds")
def my_feeds(page: ClinicalPage) -> HTMLResponse:
    return _feeds_page(page)


@router.post("/clinician/feeds")
def create_feed(
    page: ClinicalPage, clinician: Annotated[uuid.UUID | None, Form()] = None
) -> HTMLResponse:
    """Answered with the page itself, not a redirect: the address is shown this once."""
    data = FeedIn(kind=FeedKind.CLINICIAN, subject_id=clinician)
    issued = feeds.issue(page.ctx, staff=page.staff, data=data, public_url=page.settings.public_url)
    return _feeds_page(page, issued=issued)


@router.post("/clinician/feeds/{feed_id}/rotate")
def rotate_feed(page: ClinicalPage, feed_id: uuid.UUID) -> HTMLResponse:
    public_url = page.settings.public_url
    issued = feeds.rotate(page.ctx, staff=page.staff, feed_id=feed_id, public_url=public_url)
    return _feeds_page(page, issued=issued)


@router.post("/clinician/feeds/{feed_id}/revoke")
def revoke_feed(page: ClinicalPage, feed_id: uuid.UUID) -> Response:
    feeds.revoke(page.ctx, staff=page.staff, feed_id=feed_id)
    return see_other("/clinician/feeds?revoked=1")
