"""Secret tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    # 256 random bits need no salt or slow hash: a SHA-256 preimage is out of reach.
    # Any string hashes, lone surrogates included: a malformed token is merely unknown.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
