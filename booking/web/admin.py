"""The administrator's pages: the clinic setup (locations, clinicians with their hours and
time off, rooms and chairs, appointment types and their notice policy, staff accounts).

Each entity of :mod:`booking.web.setup_forms` gets the same four pages: its list, a blank
form, the edit form (with the lists kept on it, such as time off), and the saves. A change
that would strand bookings answers as the API's 409 ``affects_appointments`` does: the form
comes back listing the appointments, with a "Go ahead" button that repeats it confirmed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData

from booking.services import schedule
from booking.web import notice_policy_page
from booking.web.errors import page_router
from booking.web.forms import CONFIRM_FIELD, Field, Refusal, attempt, initial, posted, read, shown
from booking.web.pages import AdminPage, StaffPageContext, see_other
from booking.web.setup_forms import ENTITIES, Entity, Part

router = page_router()
Posted = Annotated[FormData, Depends(posted)]


@router.get("/admin")
def setup_home(page: AdminPage) -> HTMLResponse:
    return page.render("admin/home.html", entities=ENTITIES)


def _zone(page: StaffPageContext, obj: object = None) -> str:
    zone = getattr(obj, "timezone", None)
    return zone if isinstance(zone, str) else schedule.clinic_zone(page.ctx)


def _defaults(schema: type[BaseModel], fields: tuple[Field, ...]) -> dict[str, Any]:
    """A blank form shows the schema's defaults (DOMAIN.md's, for appointment types)."""
    values: dict[str, Any] = {}
    for one in fields:
        spec = schema.model_fields.get(one.name)
        if spec is not None and spec.default is not PydanticUndefined:
            default = spec.default
            values[one.name] = getattr(default, "value", default)
    return values


def _with_options(fields: tuple[Field, ...], found: dict[str, Any]) -> list[Field]:
    return [f.with_options(found[f.name]) if f.name in found else f for f in fields]


def _form(
    page: StaffPageContext, entity: Entity, fields: tuple[Field, ...], **values: Any
) -> dict[str, Any]:
    return {"fields": _with_options(fields, entity.options(page.ctx)), **values}


def _new_page(
    page: StaffPageContext, entity: Entity, *, values: dict[str, Any] | None = None,
    refusal: Refusal | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    if values is None:
        values = _defaults(entity.create_schema, entity.create_fields)
    form = _form(
        page, entity, entity.create_fields, action=f"/admin/{entity.slug}/new", values=values,
        refusal=refusal, submit=f"Add {entity.one}",
    )  # fmt: skip
    return page.render("admin/new.html", entity=entity, form=form, status_code=status_code)


def _edit_page(
    page: StaffPageContext, entity: Entity, item_id: uuid.UUID, *,
    values: dict[str, Any] | None = None, refusal: Refusal | None = None,
    part: Part | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    obj = entity.load(page.ctx, item_id)
    zone = _zone(page, obj)
    main_values = (
        values
        if values is not None and part is None
        else initial(obj, entity.edit_fields, zone) | entity.derived(obj)
    )
    form = _form(
        page, entity, entity.edit_fields, action=f"/admin/{entity.slug}/{item_id}",
        values=main_values, refusal=refusal if part is None else None, submit="Save changes",
    )  # fmt: skip
    parts = []
    for one in entity.parts:
        mine = one is part
        parts.append({
            "part": one, "items": one.items(page.ctx, item_id),
            "form": {
                "fields": _with_options(one.fields, one.options(page.ctx)),
                "action": f"/admin/{entity.slug}/{item_id}/{one.slug}",
                "values": values if mine and values is not None else {},
                "refusal": refusal if mine else None, "submit": f"Add {one.one}",
            },
        })  # fmt: skip
    return page.render(
        "admin/edit.html", entity=entity, obj=obj, form=form, parts=parts, zone=zone,
        item_id=item_id, saved=page.request.query_params.get("saved"), status_code=status_code,
    )  # fmt: skip


def _status(refusal: Refusal) -> int:
    return 409 if refusal.affected else 422


class EntityPages:
    """The list, blank form, edit form and saves of one entity, at /admin/<slug>."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.base = f"/admin/{entity.slug}"

    def register(self) -> None:
        add = router.add_api_route
        add(self.base, self.list_page, methods=["GET"], name=f"admin_{self.entity.slug}")
        add(f"{self.base}/new", self.new_page, methods=["GET"])
        add(f"{self.base}/new", self.create, methods=["POST"])
        add(f"{self.base}/{{item_id}}", self.edit_page, methods=["GET"])
        add(f"{self.base}/{{item_id}}", self.update, methods=["POST"])
        for part in self.entity.parts:
            PartPages(self.entity, part).register()

    def list_page(self, page: AdminPage) -> HTMLResponse:
        items = self.entity.list_all(page.ctx)
        return page.render("admin/list.html", entity=self.entity, items=items)

    def new_page(self, page: AdminPage) -> HTMLResponse:
        return _new_page(page, self.entity)

    def create(self, page: AdminPage, form: Posted) -> Response:
        entity = self.entity
        values = read(form, entity.create_fields, zone=_zone(page))
        done = attempt(
            page, lambda: entity.create(page.ctx, entity.create_schema.model_validate(values))
        )
        if isinstance(done, Refusal):
            again = shown(values, entity.create_fields)
            return _new_page(page, entity, values=again, refusal=done, status_code=_status(done))
        return see_other(f"{self.base}/{done.id}?saved=1")

    def edit_page(self, page: AdminPage, item_id: uuid.UUID) -> HTMLResponse:
        return _edit_page(page, self.entity, item_id)

    def update(self, page: AdminPage, item_id: uuid.UUID, form: Posted) -> Response:
        entity = self.entity
        values = read(form, entity.edit_fields, zone=_zone(page, entity.load(page.ctx, item_id)))
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(page, lambda: entity.update(
            page.ctx, item_id, entity.patch_schema.model_validate(values), confirmed
        ))  # fmt: skip
        if isinstance(done, Refusal):
            again = shown(values, entity.edit_fields)
            return _edit_page(
                page, entity, item_id, values=again, refusal=done, status_code=_status(done)
            )
        return see_other(f"{self.base}/{item_id}?saved=1")


class PartPages:
    """Adding to and removing from a list kept on an entity's page (hours, time off)."""

    def __init__(self, entity: Entity, part: Part) -> None:
        self.entity, self.part = entity, part
        self.back = f"/admin/{entity.slug}/{{item_id}}?saved=1#{part.slug}"

    def register(self) -> None:
        base = f"/admin/{self.entity.slug}/{{item_id}}/{self.part.slug}"
        router.add_api_route(base, self.add, methods=["POST"])
        router.add_api_route(f"{base}/{{rule_id}}/remove", self.remove, methods=["POST"])

    def add(self, page: AdminPage, item_id: uuid.UUID, form: Posted) -> Response:
        part = self.part
        values = read(form, part.fields, zone=_zone(page, self.entity.load(page.ctx, item_id)))
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(
            page, lambda: part.add(page.ctx, item_id, part.schema.model_validate(values), confirmed)
        )
        if isinstance(done, Refusal):
            # What was typed, as typed: wall-clock times stay wall-clock in the form.
            again = {f.name: form.get(f.name) for f in part.fields}
            return _edit_page(
                page, self.entity, item_id, values=again, refusal=done, part=part,
                status_code=_status(done),
            )  # fmt: skip
        return see_other(self.back.format(item_id=item_id))

    def remove(
        self, page: AdminPage, item_id: uuid.UUID, rule_id: uuid.UUID, form: Posted
    ) -> Response:
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(page, lambda: self.part.remove(page.ctx, item_id, rule_id, confirmed))
        if isinstance(done, Refusal):
            done.removing = rule_id
            return _edit_page(
                page, self.entity, item_id, refusal=done, part=self.part,
                status_code=_status(done),
            )  # fmt: skip
        return see_other(self.back.format(item_id=item_id))


for _entity in ENTITIES:
    EntityPages(_entity).register()

ROUTERS = (router, notice_policy_page.router)
