"""Use cases. Each function does one thing inside the caller's transaction and flushes;
the request's session commits at the edge."""
