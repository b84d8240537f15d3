"""What we text back to a reply: short, naming no visit, treatment or person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str | None

    def call(self) -> str:
        return f"call us at {self.phone}" if self.phone else "call the clinic"


def crisis(clinic: Clinic, *, on_call: bool) -> str:
    """``on_call``: an on-call clinician is being emailed now. Without one the text says only
    what is true: staff see it in the clinic's inbox, which nobody may read until morning."""
    told = (
        "We have alerted our on-call team."
        if on_call
        else "Our staff will see your message when the clinic is open."
    )
    return (
        f"{clinic.name}: if you are thinking of harming yourself, call or text 988 (Suicide & "
        f"Crisis Lifeline, 24/7) now. In an emergency call 911. {told}"
    )


def for_action(action: str, clinic: Clinic, link: str | None) -> str | None:
    """The answer to a handled reply (None: nothing is texted back, staff will answer)."""
    texts = {
        "opted_out": f"{clinic.name}: you will get no more texts from us. Reply START to opt "
        "back in.",
        "opted_in": f"{clinic.name}: texts are back on. Reply STOP to opt out, HELP for help.",
        "opt_in_for_staff": f"{clinic.name}: thanks, our team will turn texts back on; or "
        f"{clinic.call()}.",
        "help_sent": f"{clinic.name} appointment texts. For help {clinic.call()}. Msg & data "
        "rates may apply. Reply STOP to opt out.",
        "confirmed": f"{clinic.name}: thank you, your visit is confirmed.",
        "link_sent": f"{clinic.name}: to pick a new time use {link} or {clinic.call()}.",
        "front_desk_flagged": f"{clinic.name}: our front desk will contact you to find a new "
        f"time, or {clinic.call()}.",
    }
    return texts.get(action)
