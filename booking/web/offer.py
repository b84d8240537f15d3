"""The waitlist offer page, at the link the offer's text or email carries
(``/offers/{token}``): the held visit in plain words, "Book this time" or "Let it go".

The same services as ``/api/v1/offers/…``. Taking it leads to the new visit's manage page;
letting it go says what the service did (the time went to the next person waiting, the
patient keeps their place). A link that no longer offers anything (ended, decided, unknown)
gets a page with the clinic's phone number, never an error page: 404 unknown, 410 ended.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from booking.schemas.appointments import EscortIn
from booking.services import clinic_info, offers
from booking.services.offers import OfferView
from booking.web.errors import page_router, sentence
from booking.web.pages import PageContext, PublicPage, see_other
from core.errors import DomainError, NotFound

router = page_router()
LINK = "/offers/{token}"
EXPIRED = "offer_expired"
TAKEN = "offer_taken"
GATE_NOT_MET = "gate_not_met"


def _places(page: PageContext) -> list[object]:
    clinic = clinic_info.clinic_information(page.ctx, clinic_name=page.settings.name)
    return [loc for loc in clinic.locations if loc.phone]


def _ended(
    page: PageContext, view: OfferView | None, *, status_code: int, message: str = ""
) -> HTMLResponse:
    """Unknown (no view), ended, already decided or no longer waiting: who to call."""
    return page.render(
        "offer_ended.html", status_code=status_code, view=view, message=message,
        places=_places(page),
    )  # fmt: skip


def _view(page: PageContext, token: str) -> OfferView | None:
    try:
        return offers.view(page.ctx, token=token)
    except NotFound:
        return None


def _offer_page(
    page: PageContext, view: OfferView, *, token: str, errors: list[str] | None = None,
    escort: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    return page.render(
        "offer.html", status_code=status_code, view=view, token=token, errors=errors or [],
        escort=escort or {"name": "", "phone": ""},
    )  # fmt: skip


def _page_for(page: PageContext, token: str, *, status_code: int = 200) -> HTMLResponse:
    view = _view(page, token)
    if view is None:
        return _ended(page, None, status_code=404)
    if view.status == "expired":
        return _ended(page, view, status_code=410)
    if view.status != "offered":
        return _ended(page, view, status_code=status_code)
    return _offer_page(page, view, token=token, status_code=status_code)


@router.get(LINK)
def offer(page: PublicPage, token: str) -> HTMLResponse:
    return _page_for(page, token)


def _escort(view: OfferView, name: str, phone: str) -> EscortIn | None:
    """The escort as the API's accept takes it: only for a visit that needs one."""
    if not view.needs_escort:
        return None
    return EscortIn.model_validate({"name": name.strip(), "phone": phone.strip()})


@router.post(LINK + "/accept")
def accept(
    page: PublicPage,
    token: str,
    escort_name: Annotated[str, Form(max_length=200)] = "",
    escort_phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    view = _view(page, token)
    if view is None or view.status != "offered":
        return _page_for(page, token, status_code=409)
    entered = {"name": escort_name, "phone": escort_phone}
    try:
        escort = _escort(view, escort_name, escort_phone)
        with page.ctx.session.begin_nested():
            booked = offers.accept(page.ctx, token=token, escort=escort)
    except ValidationError as invalid:
        errors = _escort_errors(invalid)
        return _offer_page(page, view, token=token, errors=errors, escort=entered,
                           status_code=422)  # fmt: skip
    except DomainError as refused:
        if refused.code in (EXPIRED, TAKEN):
            return _gone(page, token, refused)
        return _offer_page(page, view, token=token, errors=[_refusal(refused)],
                           escort=entered, status_code=refused.status)  # fmt: skip
    return see_other(f"/manage/{booked.manage_token}?booked=1")


def _escort_errors(invalid: ValidationError) -> list[str]:
    """The escort fields' problems under the labels the form shows."""
    labels = {"name": "Their name", "phone": "Their phone"}
    found = []
    for item in invalid.errors():
        label = labels.get(str(item["loc"][-1]) if item["loc"] else "", "Escort")
        found.append(f"{label}: {str(item['msg']).removeprefix('Value error, ')}")
    return found


def _refusal(refused: DomainError) -> str:
    if refused.code == GATE_NOT_MET:
        # The clinical gates are recorded by the clinic: the patient cannot fix them here.
        return sentence(refused.message) + " Please call us and we will help."
    return sentence(refused.message)


@router.post(LINK + "/decline")
def decline(page: PublicPage, token: str) -> Response:
    try:
        with page.ctx.session.begin_nested():
            offers.decline(page.ctx, token=token)
    except NotFound:
        return _ended(page, None, status_code=404)
    except DomainError as refused:
        return _gone(page, token, refused)
    return see_other(f"/offers/{token}/declined")


def _gone(page: PageContext, token: str, refused: DomainError) -> HTMLResponse:
    """Decided or ended meanwhile (another tab, the expiry pass, leaving the list)."""
    return _ended(page, _view(page, token), status_code=refused.status,
                  message=sentence(refused.message))  # fmt: skip


@router.get(LINK + "/declined")
def declined(page: PublicPage, token: str) -> HTMLResponse:
    view = _view(page, token)
    if view is None:
        return _ended(page, None, status_code=404)
    if view.status != "declined":
        return _page_for(page, token)
    return page.render("offer_declined.html", view=view, places=_places(page))
