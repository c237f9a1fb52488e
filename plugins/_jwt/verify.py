"""Token checks, in the order an attacker's token meets them: size, shape, header, key,
signature, then claims.

The time claims are checked here against the plugin's clock (not pyjwt's), so a test can
move time instead of sleeping, and so ``leeway`` means one thing for ``exp``, ``nbf`` and
``iat`` alike. Every failure is a ``TokenRejected`` with a short machine-readable reason
that goes to the security event and the log, never to the client.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from jwt.api_jws import PyJWS

from plugins._jwt.keys import VerificationKey

MISSING: Any = object()
_MISSING = MISSING
_JWS = PyJWS()  # stateless once built; building one costs ~8 us


class TokenRejected(Exception):
    """A token failed a check; ``reason`` is for logs and events only."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """One compiled claim rule: ``claim`` (a dotted path) must equal, contain or be one of."""

    claim: str
    equals: Any = _MISSING
    contains: Any = _MISSING
    one_of: tuple[Any, ...] | None = None

    def passes(self, claims: dict[str, Any]) -> bool:
        value = claim_value(claims, self.claim)
        if value is _MISSING:
            return False
        if self.equals is not _MISSING:
            return bool(value == self.equals)
        if self.contains is not _MISSING:
            if isinstance(value, list):
                return self.contains in value
            if isinstance(value, str) and isinstance(self.contains, str):
                # space-separated scopes ("read write") are the common string form
                return self.contains in value.split()
            return False
        return self.one_of is not None and value in self.one_of


def claim_value(claims: dict[str, Any], path: str) -> Any:
    """``claims["a"]["b"]`` for ``"a.b"``; a top-level key containing dots wins."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def read_header(token: str, algorithms: Sequence[str]) -> tuple[str, str | None]:
    """The token's ``alg`` (checked against the allowlist) and ``kid``, before any key."""
    if token.count(".") != 2:
        raise TokenRejected("malformed", detail="not three segments")
    if "crit" in _peek_header(token):
        raise TokenRejected("unsupported_critical_header")
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, binascii.Error, ValueError, TypeError):
        raise TokenRejected("malformed", detail="header") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise TokenRejected("algorithm_not_allowed", alg=str(alg)[:20])
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected("malformed", detail="kid")
    return alg, kid


def _peek_header(token: str) -> dict[str, Any]:
    """The raw header object, or {} when it does not decode (pyjwt then says why)."""
    segment = token.split(".", 1)[0]
    try:
        header = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return {}
    return header if isinstance(header, dict) else {}


def verify_signature(token: str, alg: str, key: VerificationKey) -> dict[str, Any]:
    """The payload of a token whose signature ``key`` verifies under exactly ``alg``."""
    if not key.accepts(alg):  # RFC 8725 3.1: the key decides which algorithms are possible
        raise TokenRejected("algorithm_key_mismatch", alg=alg, kid=key.kid)
    try:
        decoded = _JWS.decode_complete(token, key=key.key, algorithms=[alg])
    except jwt.InvalidSignatureError:
        raise TokenRejected("bad_signature", kid=key.kid) from None
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", detail=type(exc).__name__) from None
    try:
        payload = orjson.loads(decoded["payload"])
    except orjson.JSONDecodeError:
        raise TokenRejected("malformed", detail="payload") from None
    if not isinstance(payload, dict):
        raise TokenRejected("malformed", detail="payload is not an object")
    return payload


Times = tuple[float | None, float | None, float | None]
"""A token's ``exp``, ``nbf`` and ``iat``, read and proved numbers (or absent)."""


@dataclass(frozen=True, slots=True)
class ClaimPolicy:
    """What the claims of a correctly signed token must satisfy."""

    issuers: frozenset[str] | None
    audiences: frozenset[str] | None
    leeway: float
    require_exp: bool
    required: tuple[str, ...]
    rules: tuple[ClaimCheck, ...]

    def check(self, claims: dict[str, Any], now: float) -> Times:
        """Every check; ``exp``, ``nbf`` and ``iat`` as read (see ``check_times``)."""
        times = self.check_times(claims, now)
        self.check_content(claims)
        return times

    def check_content(self, claims: dict[str, Any]) -> None:
        """What does not depend on the time: issuer, audience, required claims, rules. For
        one token string (its claims are signed) under one policy, the answer never
        changes: the memory of verified tokens checks it once."""
        if self.issuers is not None and claims.get("iss") not in self.issuers:
            raise TokenRejected("wrong_issuer")
        if self.audiences is not None:
            aud = claims.get("aud")
            presented = (
                {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
            )
            if not presented & self.audiences:
                raise TokenRejected("wrong_audience")
        for name in self.required:
            if claim_value(claims, name) is _MISSING:
                raise TokenRejected("missing_claim", claim=name)
        for rule in self.rules:
            if not rule.passes(claims):
                raise TokenRejected("claim_rule_failed", claim=rule.claim)

    def check_times(self, claims: dict[str, Any], now: float) -> Times:
        """``exp``, ``nbf`` and ``iat`` against ``now``, with the leeway; the three as read
        (a remembered token's hits check them with ``check_read_times``)."""
        times = (_number(claims, "exp"), _number(claims, "nbf"), _number(claims, "iat"))
        self.check_read_times(times, now)
        return times

    def check_read_times(self, times: Times, now: float) -> None:
        """``check_times`` for times already read: every request of a remembered token."""
        exp, nbf, iat = times
        if exp is None:
            if self.require_exp:
                raise TokenRejected("missing_claim", claim="exp")
        elif now > exp + self.leeway:
            raise TokenRejected("expired")
        if nbf is not None and now < nbf - self.leeway:
            raise TokenRejected("not_yet_valid")
        if iat is not None and iat > now + self.leeway:
            raise TokenRejected("issued_in_future")


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected("malformed", detail=f"{name} is not a number")
    return float(value)
