"""The issuing side: a private key that signs, and the public JWKS that lets others verify.

The ``kid`` of an asymmetric key defaults to its RFC 7638 thumbprint, so the same key
always has the same id on every gateway instance and after every restart, and a rotated
key gets a new one without anybody choosing names.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

import jwt
import orjson
from jwt.algorithms import get_default_algorithms

from plugins._jwt.keys import ALGORITHM_FAMILIES, check_key_for, load_key

_THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}


def public_jwk(alg: str, public_key: Any) -> dict[str, Any]:
    """The JWK of a public key, as a dict (no private members, ever)."""
    exported = get_default_algorithms()[alg].to_jwk(public_key, as_dict=True)
    jwk: dict[str, Any] = dict(exported) if isinstance(exported, dict) else orjson.loads(exported)
    for private_member in ("d", "p", "q", "dp", "dq", "qi", "k"):
        jwk.pop(private_member, None)
    return jwk


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url without padding)."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = orjson.dumps({m: jwk[m] for m in members}, option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs access tokens with one key; ``jwks`` is what may be published (None for HMAC)."""

    alg: str
    kid: str
    key: Any = field(repr=False)
    jwks: dict[str, Any] | None

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm=self.alg, headers={"kid": self.kid})


def build_signer(alg: str, data: bytes, kid: str | None, retired: list[bytes]) -> Signer:
    """A Signer from a PEM private key (or an HMAC secret) and retired public keys.

    Retired keys no longer sign but stay in the JWKS, so tokens they signed still verify
    until they expire: rotate by moving the old public key to ``retired_key_files``.
    """
    key = load_key(data, private=True)
    check_key_for(alg, key)
    if ALGORITHM_FAMILIES[alg] == "oct":
        if retired:
            raise ValueError("retired_key_files apply to asymmetric keys only")
        return Signer(alg, kid or "hmac", key, None)
    current = {**public_jwk(alg, key.public_key()), "use": "sig", "alg": alg}
    current["kid"] = kid or thumbprint(current)
    keys = [current]
    for index, raw in enumerate(retired):
        old = load_key(raw, private=False)
        try:
            check_key_for(alg, old)
        except ValueError as exc:
            raise ValueError(f"retired_key_files[{index}]: {exc}") from None
        jwk = {**public_jwk(alg, old), "use": "sig", "alg": alg}
        jwk["kid"] = thumbprint(jwk)
        keys.append(jwk)
    return Signer(alg, current["kid"], key, {"keys": keys})
