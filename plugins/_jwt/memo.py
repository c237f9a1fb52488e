"""Tokens whose signature this instance already verified, so a client that sends the same
token on every request pays for the signature check once.

Why: with PyJWT, decoding and checking an HS256 token costs ~45 us of CPU per request (its
base64 segment validation alone is a per-character Python loop); RS256/ES256 cost more. A
token is an exact byte string, so "this string verified under this key object" stays true:
a hit skips the header parsing, the signature check, and what the signed claims alone decide
under the plugin's options (issuer, audience, required claims, claim rules, the subject and
the identity's fields: a reload builds a new plugin with an empty memory). Everything that
depends on the time or on shared state still runs on every request: ``exp``/``nbf``/``iat``
with leeway, and the revocation check. (A hit costs ~3 µs less than re-checking every claim
and re-reading the identity; the signature check it skips ~45 µs.)

A hit counts only while the key that verified the token is still the one the key source
returns for its ``kid`` and ``alg``: a JWKS refresh builds new key objects, so rotating a key
out (or any refetch) makes every cached token verify afresh. Only tokens that passed every
check are remembered; at most ``size`` of them, the least recently used dropped first (a
busy caller's token stays while one-off tokens come and go), so an attacker cannot fill the
memory with forgeries nor push the active callers out with a burst of valid one-off tokens
faster than one entry per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins._jwt.keys import VerificationKey
from plugins._jwt.verify import Times
from proxy.exchange import Identity


@dataclass(frozen=True, slots=True)
class Verified:
    """What a full verification established about one token string."""

    alg: str
    kid: str | None
    key: VerificationKey
    claims: dict[str, Any]
    # The caller the claims name (its ``claims`` the remembered copy); each hit gets a new
    # Identity with the same fields and a copy of its own.
    identity: Identity | None = None
    # ``exp``, ``nbf``, ``iat`` as read (and proved numbers) at the first request: a hit
    # compares them with the clock without reading the claims again.
    times: Times = (None, None, None)


class VerifiedTokens:
    """A bounded LRU of token string -> ``Verified``; ``size = 0`` remembers nothing."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must be >= 0")
        self._size = size
        self._entries: dict[str, Verified] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Verified | None:
        found = self._entries.pop(token, None)
        if found is not None:
            self._entries[token] = found  # the most recently used now
        return found

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)

    def put(self, token: str, verified: Verified) -> None:
        if self._size == 0:
            return
        self._entries.pop(token, None)
        while len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]  # the least recently used
        self._entries[token] = verified
