"""The clinic's public front page."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from booking.services import clinic_info
from booking.web.errors import page_router
from booking.web.pages import PublicPage

router = page_router()


@router.get("/")
def home(page: PublicPage) -> HTMLResponse:
    clinic = clinic_info.clinic_information(page.ctx, clinic_name=page.settings.name)
    return page.render("home.html", clinic=clinic)
