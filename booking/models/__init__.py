"""Every ORM model of the product, imported here so one metadata sees them all."""

from booking.models.appointments import (
    SUPERVISION,
    Appointment,
    AppointmentStatus,
    BookedBy,
    Hold,
    IdempotentRequest,
    Occupancy,
    ResourceKind,
)
from booking.models.audit import ActorKind, AuditEvent
from booking.models.feeds import CalendarFeed, FeedKind
from booking.models.inbound import InboundMessage, Sender, StaffReply
from booking.models.patients import ContactRestriction, Patient
from booking.models.series import (
    OfferStatus,
    Series,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from booking.models.setup import (
    AppointmentKind,
    AppointmentType,
    Clinician,
    DateOverride,
    Location,
    LocationClosure,
    Room,
    RoomKind,
    SetupVersion,
    TimeOff,
    WorkingHours,
    clinician_appointment_types,
)
from booking.models.staff import Role, StaffSession, StaffUser
from core.db import Base

__all__ = [
    "SUPERVISION",
    "ActorKind",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "AppointmentType",
    "AuditEvent",
    "Base",
    "BookedBy",
    "CalendarFeed",
    "Clinician",
    "ContactRestriction",
    "DateOverride",
    "FeedKind",
    "Hold",
    "IdempotentRequest",
    "InboundMessage",
    "Location",
    "LocationClosure",
    "Occupancy",
    "OfferStatus",
    "Patient",
    "ResourceKind",
    "Role",
    "Room",
    "RoomKind",
    "Sender",
    "Series",
    "SetupVersion",
    "StaffReply",
    "StaffSession",
    "StaffUser",
    "TimeOff",
    "WaitlistEntry",
    "WaitlistOffer",
    "WaitlistStatus",
    "WorkingHours",
    "clinician_appointment_types",
]
