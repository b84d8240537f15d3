"""Who acts decides what a use case allows, and it comes from the context alone."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid

import booking.api
import booking.services
from booking.models import ActorKind
from booking.services.context import Actor

# Names a caller could use to claim a role for itself.
ROLE_FLAGS = {"staff", "is_staff", "booked_by", "as_staff", "for_clinic"}


def test_only_staff_and_the_clinics_own_jobs_act_for_the_clinic() -> None:
    assert Actor.staff(uuid.uuid4(), "desk@clinic.example").acts_for_clinic
    assert Actor.system("waitlist").acts_for_clinic
    assert not Actor.online().acts_for_clinic
    assert not Actor.patient(uuid.uuid4(), "manage link").acts_for_clinic
    assert Actor.online().kind is ActorKind.PATIENT
    assert Actor.online().id is None


def test_no_use_case_or_route_takes_the_callers_role_as_an_argument() -> None:
    """A flag beside the context could disagree with it; the context is the only source."""
    found = []
    for package in (booking.services, booking.api):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ != module.__name__:
                    continue
                taken = ROLE_FLAGS & set(inspect.signature(function).parameters)
                found += [f"{module.__name__}.{name}({flag})" for flag in taken]
    assert found == []
