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


def _with_options(
    page: StaffPageContext, fields: tuple[Field, ...], found: dict[str, Any]
) -> list[Field]:
    return [f.with_options(found[f.name]) if f.name in found else f for f in fields]


def _form(
    page: StaffPageContext, entity: Entity, fields: tuple[Field, ...], **values: Any
) -> dict[str, Any]:
    return {"fields": _with_options(page, fields, entity.options(page.ctx)), **values}


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
                "fields": _with_options(page, one.fields, one.options(page.ctx)),
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


def _register(entity: Entity) -> None:
    base = f"/admin/{entity.slug}"

    def list_page(page: AdminPage) -> HTMLResponse:
        return page.render("admin/list.html", entity=entity, items=entity.list_all(page.ctx))

    def new_page(page: AdminPage) -> HTMLResponse:
        return _new_page(page, entity)

    def create(page: AdminPage, form: Posted) -> Response:
        values = read(form, entity.create_fields, zone=_zone(page))
        done = attempt(
            page, lambda: entity.create(page.ctx, entity.create_schema.model_validate(values))
        )
        if isinstance(done, Refusal):
            return _new_page(
                page,
                entity,
                values=shown(values, entity.create_fields),
                refusal=done,
                status_code=_status(done),
            )
        return see_other(f"{base}/{done.id}?saved=1")

    def edit_page(page: AdminPage, item_id: uuid.UUID) -> HTMLResponse:
        return _edit_page(page, entity, item_id)

    def update(page: AdminPage, item_id: uuid.UUID, form: Posted) -> Response:
        obj = entity.load(page.ctx, item_id)
        values = read(form, entity.edit_fields, zone=_zone(page, obj))
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(page, lambda: entity.update(
            page.ctx, item_id, entity.patch_schema.model_validate(values), confirmed
        ))  # fmt: skip
        if isinstance(done, Refusal):
            return _edit_page(
                page,
                entity,
                item_id,
                values=shown(values, entity.edit_fields),
                refusal=done,
                status_code=_status(done),
            )
        return see_other(f"{base}/{item_id}?saved=1")

    router.add_api_route(base, list_page, methods=["GET"], name=f"admin_{entity.slug}")
    router.add_api_route(f"{base}/new", new_page, methods=["GET"])
    router.add_api_route(f"{base}/new", create, methods=["POST"])
    router.add_api_route(f"{base}/{{item_id}}", edit_page, methods=["GET"])
    router.add_api_route(f"{base}/{{item_id}}", update, methods=["POST"])
    for part in entity.parts:
        _register_part(entity, part)


def _register_part(entity: Entity, part: Part) -> None:
    base = f"/admin/{entity.slug}/{{item_id}}/{part.slug}"

    def add(page: AdminPage, item_id: uuid.UUID, form: Posted) -> Response:
        obj = entity.load(page.ctx, item_id)
        values = read(form, part.fields, zone=_zone(page, obj))
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(
            page, lambda: part.add(page.ctx, item_id, part.schema.model_validate(values), confirmed)
        )
        if isinstance(done, Refusal):
            return _edit_page(
                page,
                entity,
                item_id,
                values=shown(form_values(form, part), part.fields),
                refusal=done,
                part=part,
                status_code=_status(done),
            )
        return see_other(f"/admin/{entity.slug}/{item_id}?saved=1#{part.slug}")

    def remove(page: AdminPage, item_id: uuid.UUID, rule_id: uuid.UUID, form: Posted) -> Response:
        confirmed = form.get(CONFIRM_FIELD) == "1"
        done = attempt(page, lambda: part.remove(page.ctx, item_id, rule_id, confirmed))
        if isinstance(done, Refusal):
            done.removing = rule_id
            return _edit_page(
                page, entity, item_id, refusal=done, part=part, status_code=_status(done)
            )
        return see_other(f"/admin/{entity.slug}/{item_id}?saved=1#{part.slug}")

    router.add_api_route(base, add, methods=["POST"])
    router.add_api_route(f"{base}/{{rule_id}}/remove", remove, methods=["POST"])


def form_values(form: FormData, part: Part) -> dict[str, Any]:
    """What was typed, as typed (wall-clock times stay wall-clock in the form)."""
    return {f.name: form.get(f.name) for f in part.fields}


for _entity in ENTITIES:
    _register(_entity)

ROUTERS = (router, notice_policy_page.router)
