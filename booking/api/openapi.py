"""The OpenAPI document, made to tell the truth about the problem answers, and /docs offline.

Each operation's problem answers are derived from what the route depends on, so a route
added anywhere is documented without an edit here: a staff guard can answer 401 and 403, a
bearer token 401, a path parameter 404, a body 400 (not JSON), any parameter or body 422,
a write 409 (a race PostgreSQL settled) and 503 (the write lock was busy). ``CODES`` and a
route's own ``responses=problem_codes({...})`` name the specific codes; every problem answer is a
``Problem`` under ``application/problem+json``, with its codes in the description and in
``x-problem-codes``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles

from booking.api.deps import RoleGuard
from booking.api.problems import PROBLEM_JSON

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CODES_KEY = "x-problem-codes"
_REF = "#/components/schemas/"

# What each status means whatever the route, and the code every route may answer with.
_GENERIC: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("The body could not be read as JSON.", ("malformed_body",)),
    401: ("Not signed in, or the token is unknown, expired or revoked.", ("unauthenticated",)),
    403: ("The signed-in role may not do this.", ("forbidden",)),
    404: ("No such record (an unknown id in the path).", ("not_found",)),
    409: ("Conflicts with the current state; nothing was saved.", ("concurrent_change",)),
    410: ("It has ended (a waitlist offer whose time is up).", ()),
    422: ("The request breaks a rule; `errors[]` names the fields.", ("validation_error",)),
    429: ("Too many requests; wait `Retry-After` seconds.", ()),
    503: ("The database is busy; nothing was saved, retry after `Retry-After`.", ("busy",)),
}

# Codes specific to an operation (by operation id), beyond what its dependencies imply.
CODES: dict[str, dict[int, tuple[str, ...]]] = {
    "login": {401: ("unauthenticated",), 429: ("too_many_attempts",)},
    "update_staff": {409: ("self_lockout",), 422: ("unknown_reference",)},
    "create_staff": {409: ("email_taken",), 422: ("unknown_reference",)},
    "create_location": {409: ("name_taken",)},
    "update_location": {409: ("name_taken", "affects_appointments")},
    "create_clinician": {409: ("name_taken",), 422: ("unknown_reference",)},
    "update_clinician": {
        409: ("name_taken", "affects_appointments"),
        422: ("unknown_reference",),
    },
    "create_room": {409: ("name_taken",), 422: ("unknown_reference",)},
    "update_room": {409: ("name_taken", "affects_appointments")},
    "create_appointment_type": {409: ("name_taken",)},
    "update_appointment_type": {409: ("name_taken",), 422: ("invalid_appointment_type",)},
    "set_notice_policy": {422: ("invalid_notice_policy",)},
    "add_working_hours": {422: ("hours_overlap", "unknown_reference")},
    "add_date_override": {
        409: ("affects_appointments",),
        422: ("override_overlap", "unknown_reference"),
    },
    "add_time_off": {409: ("affects_appointments",)},
    "add_closure": {409: ("affects_appointments",)},
    "remove_rule": {409: ("affects_appointments",)},
    "create_patient": {409: ("possible_duplicate",), 422: ("invalid_date_of_birth",)},
    "update_patient": {422: ("invalid_patient", "invalid_date_of_birth")},
    "record_gate": {422: ("gate_in_future", "reason_required")},
    # An unknown appointment type, hold or patient named in the query or body is a 404 too.
    "availability": {
        403: ("forbidden",),
        404: ("not_found",),
        422: ("invalid_range", "location_required", "unknown_reference"),
    },
    "create_hold": {
        403: ("forbidden",),
        404: ("not_found",),
        409: ("slot_taken",),
        422: ("in_the_past", "location_required", "unknown_reference"),
        429: ("too_many_requests",),
    },
    "book": {
        403: ("forbidden",),
        404: ("not_found",),
        409: ("slot_taken", "request_in_progress"),
        422: (
            "gate_not_met",
            "manage_link_required",
            "idempotency_key_reused",
            "in_the_past",
            "unknown_reference",
        ),
        429: ("too_many_requests",),
    },
    "reschedule": {409: ("slot_taken", "invalid_transition"), 422: ("in_the_past",)},
    "cancel": {409: ("invalid_transition",)},
    "check_in": {409: ("invalid_transition",), 422: ("too_early", "too_late")},
    "complete": {409: ("invalid_transition",), 422: ("too_early",)},
    "no_show": {409: ("invalid_transition",), 422: ("too_early",)},
    "move_my_appointment": {409: ("slot_taken", "call_the_clinic", "too_late")},
    "cancel_my_appointment": {409: ("too_late", "invalid_transition")},
    "book_series": {
        409: ("series_conflict",),
        422: (
            "gate_not_met",
            "series_spacing",
            "series_overlap",
            "unknown_protocol",
            "unknown_session",
        ),
    },
    "preview_series": {
        409: ("series_conflict",),
        422: (
            "gate_not_met",
            "series_spacing",
            "series_overlap",
            "unknown_protocol",
            "unknown_session",
        ),
    },
    "undo": {409: ("invalid_transition", "correction_window_closed", "slot_taken")},
    "reissue_manage_link": {409: ("too_late",)},
    "withdraw": {409: ("invalid_transition",)},
    "list_audit": {403: ("forbidden",)},
    "calendar_feed": {429: ("too_many_requests",)},
    "create_feed": {403: ("forbidden",), 422: ("unknown_reference",)},
    "rotate_feed": {409: ("feed_revoked",)},
    "list_inbox": {403: ("forbidden",)},
    "mark_handled": {404: ("not_found",)},
    "reply_to_message": {
        404: ("not_found",),
        409: ("reply_needs_patient", "opted_out", "no_sms_consent", "quiet_hours"),
        422: ("forbidden_words", "validation_error"),
    },
    "message_patient": {
        404: ("not_found",),
        409: ("opted_out", "no_sms_consent", "quiet_hours"),
        422: ("forbidden_words", "validation_error"),
    },
    "patient_conversation": {404: ("not_found",)},
    "delivery_status": {
        403: ("invalid_signature",),
        413: ("too_large",),
        422: ("validation_error",),
    },
    "view_offer": {404: ("not_found",)},
    "accept_offer": {
        404: ("not_found",),
        409: ("offer_taken", "slot_taken"),
        410: ("offer_expired",),
        422: ("gate_not_met", "validation_error"),
    },
    "decline_offer": {404: ("not_found",), 409: ("offer_taken",), 410: ("offer_expired",)},
    "receive_sms": {403: ("invalid_signature",), 413: ("too_large",), 422: ("validation_error",)},
}


def problem_codes(codes: Mapping[int, Iterable[str]]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that names its own problem codes, e.g. ``{409: ["x"]}``."""
    return {status: {"description": "", CODES_KEY: list(names)} for status, names in codes.items()}


def operation_ids() -> Callable[[APIRoute], str]:
    """An app's ``generate_unique_id_function``: the endpoint's function name (``book``,
    ``add_working_hours``), readable ids for generated clients. A name a route of another
    module took first gets that module's name in front (``manage_cancel``)."""
    first: dict[str, str] = {}

    def operation_id(route: APIRoute) -> str:
        module = route.endpoint.__module__.rsplit(".", 1)[-1]
        owner = first.setdefault(route.name, module)
        return route.name if owner == module else f"{module}_{route.name}"

    return operation_id


@dataclass(frozen=True)
class _Traits:
    guarded: bool
    bearer: bool
    path: bool
    body: bool
    inputs: bool


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _traits(route: Any) -> _Traits:
    parts = list(_walk(route.dependant))
    calls = [part.call for part in parts]
    return _Traits(
        guarded=any(isinstance(call, RoleGuard) for call in calls),
        bearer=any(isinstance(call, HTTPBearer) for call in calls),
        path=any(part.path_params for part in parts),
        body=any(part.body_params for part in parts),
        inputs=any(
            part.path_params or part.query_params or part.header_params or part.body_params
            for part in parts
        ),
    )


def problem_statuses(route: Any) -> dict[int, list[str]]:
    """Every problem status ``route`` can answer, with its codes (generic ones first)."""
    traits = _traits(route)
    statuses: set[int] = set()
    if traits.guarded:
        statuses |= {401, 403}
    if traits.bearer:
        statuses.add(401)
    if traits.path:
        statuses.add(404)
    if traits.body:
        statuses.add(400)
    if traits.inputs:
        statuses.add(422)
    if route.methods & WRITE_METHODS:
        statuses |= {409, 503}
    declared = {int(k): v.get(CODES_KEY, []) for k, v in route.responses.items() if int(k) >= 400}
    specific = CODES.get(route.unique_id, {})
    codes: dict[int, list[str]] = {}
    for status in sorted(statuses | set(declared) | set(specific)):
        names = [*_GENERIC.get(status, ("", ()))[1], *specific.get(status, ())]
        names += declared.get(status, [])
        codes[status] = list(dict.fromkeys(names))
    return codes


def _response(status: int, codes: list[str]) -> dict[str, Any]:
    meaning = _GENERIC.get(status, ("A problem answer.", ()))[0]
    listed = ", ".join(f"`{code}`" for code in codes)
    answer: dict[str, Any] = {
        "description": f"{meaning} Codes: {listed}." if codes else meaning,
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"{_REF}Problem"}}},
        CODES_KEY: codes,
    }
    headers = _HEADERS.get(status)
    if headers:
        answer["headers"] = headers
    return answer


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"required": True, "schema": {"type": "string", "const": "Bearer"}}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details; branch on `code`, which is stable.",
        "type": "object",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": f"{_REF}FieldError"}},
        },
        "additionalProperties": True,
    },
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
}


def documented_routes(app: FastAPI) -> Iterator[Any]:
    """The app's API routes (included routers flattened) that the document lists."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def build(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the problem answers, optional auth and unique operation ids."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # not the shape we answer
        components.pop(unused, None)
    components.update(PROBLEM_SCHEMAS)
    for route in documented_routes(app):
        for method in route.methods:
            _document(route, document["paths"][route.path_format][method.lower()])
    ids = Counter(op["operationId"] for ops in document["paths"].values() for op in ops.values())
    clashes = sorted(name for name, count in ids.items() if count > 1)
    if clashes:
        raise RuntimeError(f"operation ids used twice: {clashes}")
    return document


def _document(route: Any, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    own = {str(status): answer for status, answer in route.responses.items()}
    for status, codes in problem_statuses(route).items():
        if "content" in own.get(str(status), {}):
            continue  # a route that answers this status with a body of its own (GET /health)
        responses[str(status)] = _response(status, codes)
    traits = _traits(route)
    if traits.bearer and not traits.guarded:  # a token is optional here: {} means "none"
        operation["security"] = [{}, *operation.get("security", [])]


# Swagger UI's files, served from the installed fastapi-offline package: /docs must work on
# a clinic network without internet, so the page names no other host.
ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """``app.openapi`` builds the truthful document once; /docs serves Swagger UI offline."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API documentation",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
        )

    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/docs/oauth2-redirect", oauth2_redirect, methods=["GET"], include_in_schema=False
    )
