"""The opt-out registry: numbers that replied STOP (or that Twilio reported as opted out,
21610), whoever they belong to. Kept by number, not by person: an escort's STOP ends the
texts to that number, not the patient's own, and a number unknown today stays quiet if it
becomes a patient's or an escort's tomorrow. START / UNSTOP (or YES) from the number
removes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin


class SmsOptOut(IdMixin, Base):
    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(32), unique=True)  # E.164, as Twilio sends it
    opted_out_at: Mapped[datetime]
