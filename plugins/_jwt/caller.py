"""What the jwt plugin reads from a request and writes for the rest of the chain: the token
(a Bearer header, a custom header or a cookie), the ``Identity`` its claims describe, and the
claims forwarded upstream as headers.

Kept apart from ``plugins/jwt.py`` (options, hooks, the verification order) because none of
it judges a token: these only move values between a request and claims already verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from plugins._jwt.verify import MISSING, claim_value
from proxy.exchange import Exchange, Identity


def header_token(value: str, bearer: bool) -> str | None:
    """The token in a header's ``value``: all of it, or for ``Authorization`` (``bearer``)
    what follows the ``Bearer`` scheme; None when there is none."""
    if not bearer:
        return value.strip() or None
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None  # stripped once
    return None


def cookie(header: str | None, name: str) -> str | None:
    """The value of cookie ``name`` in a ``Cookie`` header (quotes stripped), or None."""
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value.strip('"')
    return None


def identity_of(
    claims: dict[str, Any],
    subject_claim: str,
    tier_claim: str | None,
    key_id_claim: str | None,
    models_claim: str | None,
    monitored: bool,
) -> Identity:
    """The caller a verified token names: its subject, tier, key id and model allowlist."""
    tier = claims.get(tier_claim) if tier_claim else None
    key_id = claims.get(key_id_claim) if key_id_claim else None
    models = claims.get(models_claim) if models_claim else None
    allowed = (
        frozenset(m for m in models if isinstance(m, str)) if isinstance(models, list) else None
    )
    return Identity(
        subject=claims[subject_claim],
        key_id=key_id if isinstance(key_id, str) else None,
        tier=str(tier) if isinstance(tier, str | int) and not isinstance(tier, bool) else None,
        claims=claims,
        source="jwt",
        allowed_models=allowed,
        monitored=monitored,
    )


def forward_claims(
    ex: Exchange, forward: Sequence[tuple[str, str]], claims: dict[str, Any]
) -> None:
    """Set each (claim, header) of ``forward`` the claims hold on the upstream request."""
    for claim, header in forward:
        value = claim_value(claims, claim)
        text = None if value is MISSING else header_text(value)
        if text is not None:
            ex.request_headers[header] = text


def header_text(value: Any) -> str | None:
    """A claim's value as header text (a list of strings comma-joined, other values JSON);
    None for nothing, or for text that could start a new header line."""
    if value is None or (isinstance(value, dict) and not value):
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ",".join(value)
    else:
        text = orjson.dumps(value).decode()
    # a claim must never be able to start a new header line
    return None if any(c in text for c in "\r\n\x00") else text
