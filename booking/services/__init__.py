"""Use cases. Each function does one thing inside the caller's transaction and flushes;
the request's session commits at the edge."""

# Registers the listener that bumps the setup version on every setup change, in every process.
from booking.services import reference as _reference  # noqa: F401
