"""Keys and the algorithms they may be used with (RFC 8725: never trust the token's ``alg``).

The classic JWT attacks both pick the algorithm for the verifier: ``alg: none`` skips the
signature, and ``alg: HS256`` with an RSA public key as the HMAC secret lets anyone who
knows the public key sign. So every key carries its *family* (oct, RSA, EC, OKP), and a
token's ``alg`` is accepted only when it is in the operator's allowlist AND fits the
family (and, for EC, the curve) of the key that verifies it. pyjwt has its own guards; this
check is explicit so it does not depend on them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

# alg -> key family (the JWK ``kty``)
ALGORITHM_FAMILIES: dict[str, str] = {
    "HS256": "oct",
    "HS384": "oct",
    "HS512": "oct",
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
_EC_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
# RFC 7518 section 3.2: an HMAC key must be at least as long as the hash output.
HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
RSA_MIN_BITS = 2048

AsymmetricKey = Any  # a cryptography public or private key object


class KeyProblem(ValueError):
    """A key that cannot be loaded or cannot be used with the configured algorithms."""


def check_algorithms(algorithms: list[str]) -> list[str]:
    """The allowlist, validated: non-empty, known names, never ``none``."""
    if not algorithms:
        raise ValueError("algorithms must list at least one algorithm")
    for alg in algorithms:
        if alg.lower() == "none":
            raise ValueError('"none" is never allowed: an unsigned token proves nothing')
        if alg not in ALGORITHM_FAMILIES:
            raise ValueError(
                f"unknown algorithm {alg!r}; expected one of {', '.join(ALGORITHM_FAMILIES)}"
            )
    return algorithms


def key_family(key: Any) -> str:
    """``oct``, ``RSA``, ``EC`` or ``OKP`` for a secret (bytes) or a cryptography key."""
    if isinstance(key, bytes):
        return "oct"
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return "EC"
    if isinstance(
        key,
        ed25519.Ed25519PublicKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PublicKey
        | ed448.Ed448PrivateKey,
    ):
        return "OKP"
    raise KeyProblem(f"unsupported key type {type(key).__name__}")


def fits(alg: str, key: Any) -> bool:
    """True when ``alg`` may be used with ``key``: same family, and the right EC curve."""
    family = ALGORITHM_FAMILIES.get(alg)
    if family is None or family != key_family(key):
        return False
    if family == "EC":
        return bool(key.curve.name == _EC_CURVES[alg])
    return True


def check_key_for(alg: str, key: Any) -> None:
    """Raise ``KeyProblem`` unless ``key`` is strong enough and of the right kind for ``alg``."""
    if not fits(alg, key):
        raise KeyProblem(f"algorithm {alg} cannot be used with a {describe_key(key)}")
    if isinstance(key, bytes) and len(key) < HMAC_MIN_BYTES[alg]:
        raise KeyProblem(
            f"{alg} needs a secret of at least {HMAC_MIN_BYTES[alg]} bytes (got {len(key)})"
        )
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size < RSA_MIN_BITS:
        raise KeyProblem(f"RSA keys must have at least {RSA_MIN_BITS} bits (got {key.key_size})")


def describe_key(key: Any) -> str:
    """A short description of a key without any of its material (safe for errors and logs)."""
    family = key_family(key)
    if family == "oct":
        return "shared secret"
    if family == "EC":
        return f"EC key ({key.curve.name})"
    if family == "RSA":
        return f"RSA key ({key.key_size} bits)"
    return "OKP key"


def load_key(data: bytes, *, private: bool) -> Any:
    """A key from PEM text, or a shared secret from anything that is not PEM.

    PEM may be a public key, a certificate or a private key (its public half is used to
    verify unless ``private``). Surrounding whitespace of a secret is stripped, so a file
    ending in a newline or an env var with a trailing space means the same secret.
    """
    text = data.strip()
    if not text.startswith(b"-----BEGIN"):
        if not text:
            raise KeyProblem("the key is empty")
        return text
    if private:
        try:
            return serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyProblem(f"not an unencrypted PEM private key: {exc}") from None
    loaders = (
        serialization.load_pem_public_key,
        lambda raw: x509.load_pem_x509_certificate(raw).public_key(),
        lambda raw: serialization.load_pem_private_key(raw, password=None).public_key(),
    )
    for loader in loaders:
        try:
            return loader(text)
        except (ValueError, TypeError):
            continue
    raise KeyProblem("PEM data is not a public key, certificate or unencrypted private key")


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A key ready to verify: its ``kid``, the key object, and the ``alg`` it is pinned to."""

    kid: str | None
    key: Any
    alg: str | None = None

    def accepts(self, alg: str) -> bool:
        """May a token signed with ``alg`` be verified with this key?"""
        if self.alg is not None and self.alg != alg:
            return False
        return fits(alg, self.key)


def static_key(key_env: str | None, key_file: str | None, algorithms: list[str]) -> VerificationKey:
    """The one key of ``key_env`` (an env var's value) or ``key_file``, checked against every
    algorithm of the allowlist; a ``ValueError`` naming the option when it cannot be read."""
    if key_env:
        raw = os.environ.get(key_env)
        if raw is None:
            raise ValueError(f"key_env: environment variable {key_env} is not set")
        data = raw.encode()
    else:
        assert key_file is not None
        try:
            data = Path(key_file).read_bytes()
        except OSError as exc:
            raise ValueError(f"key_file: cannot read {key_file}: {exc.strerror}") from None
    key = load_key(data, private=False)
    for alg in algorithms:
        check_key_for(alg, key)
    return VerificationKey(None, key)
