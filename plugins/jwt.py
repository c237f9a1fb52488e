"""jwt: accept callers that present a signed JWT, and say who they are (``ex.identity``).

Keys come from a JWKS URL (cached, refetched on an unknown ``kid`` at most once per
``jwks_min_refresh``, refreshed every ``jwks_refresh``) or from one PEM key or shared secret
in an env var or file. The ``algorithms`` allowlist is required, ``none`` is impossible, and
a token's ``alg`` must fit the family of the key that verifies it (RFC 8725), so an RSA
public key can never be used as an HMAC secret.

A refusal is always the same 401 with ``WWW-Authenticate: Bearer error="invalid_token"``
and a generic message: telling a caller *why* its token failed helps only an attacker. The
reason goes to the ``auth_failed`` security event (and from there to the log and metrics).

Revocation: ``POST /-/jwt/revoke {"jti": ..., "exp": ...}`` on the admin listener puts the
``jti`` on a denylist in the shared store until the token would have expired anyway. Each
instance remembers a "not revoked" answer for ``revocation_cache`` (default 1 s), so a
revocation reaches other instances within that time and the revoking one at once
(``plugins/_jwt/revocation.py``); tokens without a ``jti`` cost no store lookup at all.

This module holds the options and the order of the checks; reading the token and building
the identity is ``plugins/_jwt/caller.py``, the admin endpoints ``plugins/_jwt/admin.py``,
the checks themselves ``plugins/_jwt/verify.py``.
"""

from __future__ import annotations

from typing import Any, NoReturn, Self

from pydantic import Field, field_validator, model_validator
from starlette.responses import Response
from starlette.routing import BaseRoute

from plugins._jwt.admin import revocation_routes
from plugins._jwt.caller import cookie, forward_claims, header_token, identity_of
from plugins._jwt.claim_rules import ClaimRule
from plugins._jwt.jwks import JwksCache
from plugins._jwt.keys import VerificationKey, check_algorithms, static_key
from plugins._jwt.memo import Verified, VerifiedTokens
from plugins._jwt.revocation import Denylist
from plugins._jwt.verify import ClaimPolicy, TokenRejected, read_header, verify_signature
from proxy.allowlist import check_model
from proxy.config.types import Duration
from proxy.errors import PolicyError
from proxy.exchange import Exchange, Identity
from proxy.plugin import ANY_TIER, Plugin, PluginOptions, Services

_INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
_MISSING = {"WWW-Authenticate": "Bearer"}


class Jwt(Plugin):
    name = "jwt"
    uses_shared_state = True  # the revocation denylist

    class Options(PluginOptions):
        algorithms: list[str] = Field(
            description='Accepted "alg" values, e.g. ["RS256", "ES256"]. Required; "none" is '
            "refused, and each token's alg must also fit its key's type."
        )
        jwks_url: str | None = Field(None, description="URL of the identity provider's JWKS.")
        key_env: str | None = Field(
            None, description="Env var holding a PEM public key (or certificate) or an HMAC secret."
        )
        key_file: str | None = Field(
            None, description="File holding a PEM public key (or certificate) or an HMAC secret."
        )
        jwks_min_refresh: Duration = Field(
            30.0,
            description="Least time between two JWKS "
            "fetches (an unknown kid triggers one). Default 30s.",
        )
        jwks_refresh: Duration = Field(
            600.0, description="Refetch the JWKS this often (in the background). Default 10m."
        )
        jwks_timeout: Duration = Field(5.0, description="Timeout of one JWKS fetch. Default 5s.")
        issuer: str | list[str] | None = Field(None, description='Accepted "iss" value(s).')
        audience: str | list[str] | None = Field(
            None, description='Accepted "aud" value(s); the token must name one of them.'
        )
        leeway: Duration = Field(
            30.0, description="Clock skew allowed for exp/nbf/iat. Default 30s."
        )
        require_exp: bool = Field(True, description='Refuse tokens without "exp".')
        required_claims: list[str] = Field([], description="Claims that must be present.")
        claim_rules: list[ClaimRule] = Field([], description="Conditions on claim values.")
        forward_claims: dict[str, str] = Field(
            {}, description="Claim -> header sent upstream (any client copy is removed)."
        )
        token_header: str = Field(
            "Authorization",
            description="Header carrying the token; "
            'for "Authorization" the Bearer scheme is required.',
        )
        token_cookie: str | None = Field(None, description="Cookie read when the header is absent.")
        max_token_bytes: int = Field(
            8192, ge=64, le=65536, description="Longer tokens are refused unparsed."
        )
        subject_claim: str = Field("sub", description="Claim naming the caller (identity.subject).")
        tier_claim: str | None = Field("tier", description="Claim giving identity.tier.")
        key_id_claim: str | None = Field("client_id", description="Claim giving identity.key_id.")
        models_claim: str | None = Field(
            "models",
            description="Claim listing the model aliases the caller may use "
            "(enforced with a 403 when present).",
        )
        optional: bool = Field(
            False,
            description="Let requests without a (JWT-shaped) token "
            "through unauthenticated, for a later plugin to judge.",
        )
        revocation: bool = Field(True, description="Check the jti denylist in the shared store.")
        revocation_cache: Duration = Field(
            1.0,
            description='How long this instance trusts a "not revoked" answer for a jti (0 = '
            "ask the store on every request). A revocation posted to another instance takes "
            "effect here within this time; on the revoking instance at once. Default 1s.",
        )
        verified_cache: int = Field(
            1024,
            ge=0,
            le=100_000,
            description="How many distinct verified tokens this instance remembers, so a "
            "repeated token skips the signature check (time claims, issuer, audience, rules "
            "and revocation are still checked every time). 0 turns it off.",
        )
        revoke_default_ttl: Duration = Field(
            86400.0, description='How long a revocation posted without "exp" lasts. Default 1d.'
        )

        @field_validator("algorithms")
        @classmethod
        def _algorithms(cls, value: list[str]) -> list[str]:
            return check_algorithms(value)

        @field_validator("jwks_url")
        @classmethod
        def _url(cls, value: str | None) -> str | None:
            if value is not None and not value.startswith(("https://", "http://")):
                raise ValueError("jwks_url must be an http(s) URL")
            return value

        @model_validator(mode="after")
        def _one_key_source(self) -> Self:
            sources = [n for n in ("jwks_url", "key_env", "key_file") if getattr(self, n)]
            if len(sources) != 1:
                raise ValueError(
                    "set exactly one of jwks_url, key_env, key_file "
                    f"(got {', '.join(sources) or 'none'})"
                )
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        o = options
        self._algorithms = tuple(o.algorithms)
        self._static: VerificationKey | None = None
        self._jwks: JwksCache | None = None
        if o.jwks_url:
            self._jwks = JwksCache(
                o.jwks_url,
                lambda: services.http,
                services.clock,
                min_refresh=o.jwks_min_refresh,
                refresh_every=o.jwks_refresh,
                timeout=o.jwks_timeout,
                log=services.log,
            )
        else:
            self._static = static_key(o.key_env, o.key_file, o.algorithms)
        self._claims = ClaimPolicy(
            issuers=_set_of(o.issuer),
            audiences=_set_of(o.audience),
            leeway=o.leeway,
            require_exp=o.require_exp,
            required=tuple(o.required_claims),
            rules=tuple(rule.compile() for rule in o.claim_rules),
        )
        self._header = o.token_header.lower()
        self._bearer = self._header == "authorization"
        self._forward = tuple((claim, header.lower()) for claim, header in o.forward_claims.items())
        self._denylist = Denylist(services.store, services.clock, o.revocation_cache)
        self._verified = VerifiedTokens(o.verified_cache)

    # -- request -------------------------------------------------------------------------

    async def on_request(self, ex: Exchange) -> Response | None:
        for _, header in self._forward:  # never let a client forge a forwarded claim
            if header in ex.request_headers:
                del ex.request_headers[header]
        if ex.identity is not None:
            return None  # an earlier authentication plugin already accepted this caller
        token = self._token(ex)
        if token is None or (self.options.optional and token.count(".") != 2):
            if self.options.optional:
                return None
            self._fail(ex, "missing_token", {})
        assert token is not None
        try:
            # A remembered token under the static key needs no await (the usual request).
            ex.identity = self._remembered(token) or await self._verify(token)
        except TokenRejected as rejected:
            self._fail(ex, rejected.reason, rejected.detail)
        identity = ex.identity
        if self._forward:  # no call when no claim is forwarded (the usual entry)
            forward_claims(ex, self._forward, identity.claims)
        if identity.allowed_models is not None:
            await check_model(ex, identity.allowed_models, "jwt", self.monitoring)
        return None

    def _token(self, ex: Exchange) -> str | None:
        value = ex.request_headers.get(self._header)
        if value is not None:
            return header_token(value, self._bearer)
        if self.options.token_cookie:
            return cookie(ex.request_headers.get("cookie"), self.options.token_cookie)
        return None

    def _remembered(self, token: str) -> Identity | None:
        """The memory's hit for a static key and a token without a revocation lookup to
        make, checked as ``_verify`` checks a hit, without a coroutine; None: ask ``_verify``."""
        if self._jwks is not None or len(token) > self.options.max_token_bytes:
            return None
        known = self._verified.get(token)
        if known is None or known.identity is None or known.key is not self._static:
            return None
        if self.options.revocation and isinstance(known.claims.get("jti"), str):
            return None
        self._claims.check_read_times(known.times, self.services.clock())
        return _with_claims(known.identity, dict(known.claims))

    async def _verify(self, token: str) -> Identity:
        """The caller ``token`` names, with a copy of its claims of its own (later plugins
        may change them); ``TokenRejected`` when any check fails."""
        if len(token) > self.options.max_token_bytes:
            raise TokenRejected("oversized", size=len(token))
        known = self._verified.get(token)
        if known is not None and known.identity is not None:
            jwks = self._jwks
            key = self._static if jwks is None else await jwks.find(known.kid, known.alg)
            if key is known.key:  # the memory's hit: only what can change is checked again
                self._claims.check_read_times(known.times, self.services.clock())
                claims = dict(known.claims)
                await self._check_revoked(claims)
                return _with_claims(known.identity, claims)
        alg, kid = read_header(token, self._algorithms)
        key = await self._key_for(kid, alg)
        if key is None:
            raise TokenRejected("unknown_key", kid=(kid or "")[:64], alg=alg)
        claims = verify_signature(token, alg, key)
        times = self._claims.check(claims, self.services.clock())
        o = self.options
        subject = claims.get(o.subject_claim)
        if not isinstance(subject, str) or not subject:
            raise TokenRejected("missing_claim", claim=o.subject_claim)
        await self._check_revoked(claims)
        identity = identity_of(claims, o.subject_claim, o.tier_claim, o.key_id_claim,
                               o.models_claim, self.monitoring)  # fmt: skip
        # Passed every check: remember a private copy of its claims, and who they name.
        kept = dict(claims)
        self._verified.put(
            token, Verified(alg, kid, key, kept, _with_claims(identity, kept), times)
        )
        return identity

    async def _check_revoked(self, claims: dict[str, Any]) -> None:
        if self.options.revocation:
            jti = claims.get("jti")
            if isinstance(jti, str) and await self._denylist.revoked(jti):
                raise TokenRejected("revoked")

    async def _key_for(self, kid: str | None, alg: str) -> VerificationKey | None:
        return self._static if self._jwks is None else await self._jwks.find(kid, alg)

    def _fail(self, ex: Exchange, reason: str, detail: dict[str, Any]) -> NoReturn:
        ex.record_event("auth_failed", "jwt", reason, monitored=self.monitoring, **detail)
        if reason == "missing_token":
            raise PolicyError(401, "unauthorized", "a bearer token is required", _MISSING)
        raise PolicyError(401, "unauthorized", "invalid bearer token", _INVALID)

    # -- revocation ----------------------------------------------------------------------

    def admin_routes(self) -> list[BaseRoute]:
        return revocation_routes(self.revoke, self._denylist)

    async def revoke(self, jti: str, exp: float | None = None) -> float:
        """Deny ``jti`` until ``exp`` (+ leeway); returns the seconds it stays denied."""
        if exp is None:
            ttl = self.options.revoke_default_ttl
        else:
            ttl = exp + self.options.leeway - self.services.clock()
        if ttl > 0:
            await self._denylist.revoke(jti, ttl)
        return max(ttl, 0.0)

    # -- lifecycle -----------------------------------------------------------------------

    def tiers_granted(self) -> frozenset[str]:
        return ANY_TIER if self.options.tier_claim else frozenset()  # whatever tokens carry

    def describe(self) -> dict[str, Any]:
        o = self.options
        info: dict[str, Any] = {
            "algorithms": list(o.algorithms),
            "issuer": o.issuer,
            "audience": o.audience,
            "optional": o.optional,
        }
        if self._jwks is not None:
            info.update(
                keys="jwks",
                jwks_url=self._jwks.url.split("?")[0],
                keys_loaded=len(self._jwks.keys),
                jwks_fetches=self._jwks.fetches,
            )
        else:
            info["keys"] = "env" if o.key_env else "file"
        return info

    async def close(self) -> None:
        if self._jwks is not None:
            await self._jwks.close()


def _with_claims(identity: Identity, claims: dict[str, Any]) -> Identity:
    """``identity`` with ``claims`` instead of its own (a new object: the chain may change
    the one it gets)."""
    return Identity(
        subject=identity.subject,
        key_id=identity.key_id,
        tier=identity.tier,
        claims=claims,
        source=identity.source,
        allowed_models=identity.allowed_models,
        team=identity.team,
        monitored=identity.monitored,
    )


def _set_of(value: str | list[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)
