"""rate_limit: GCRA limits per caller, exact across every instance that shares the store.

Each limiter is one ``store.gcra`` call on one key — a single atomic Lua script on redis —
so N gateway instances admit exactly what one would (no fixed-window double bursts at the
window edge, no local counters multiplied by the replica count).

A plugin entry holds one or more limiters:

- ``limit`` (+ ``burst``): the main limiter; ``tiers`` replace it for callers whose
  ``identity.tier`` is listed (callers with no or an unlisted tier get ``limit``; without
  ``limit`` they get no main limiter at all).
- ``limits = [{ limit = "10/second" }, { limit = "10000/day", key = "identity.key" }]``:
  further limiters, all of which must admit the request.
- a caller's own ``rate``/``burst`` in ``identity.claims["limits"]`` (an API key's ``limits``
  table) replace the main limiter for that caller, unless ``key_limits = false``.

Limiters are checked in order and the first refusal stops the check, so later limiters are not
charged for a refused request (earlier ones already were). Every response the plugin saw
carries the IETF ``RateLimit-Policy`` / ``RateLimit`` fields and ``X-RateLimit-*`` for the
tightest limiter; a refusal is a 429 with ``Retry-After`` and a ``rate_limited`` event.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, field_validator, model_validator
from starlette.responses import Response

from plugins._headers import Pairs, replace_headers
from plugins._limits import KeyLimitsReader, KeySpec, check_key_spec, retry_after
from proxy.config.types import Rate, RateValue
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.state.base import GcraDecision

_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_NAME_EXPECTED = "1-64 characters from A-Z a-z 0-9 _ . : -"
KeyOption = str | list[str]


def _check_name(value: str | None) -> str | None:
    if value is not None and not _NAME.match(value):
        raise ValueError(f"name {value!r} must be {_NAME_EXPECTED}")
    return value


class LimitSpec(PluginOptions):
    """One extra limiter in ``limits``."""

    limit: RateValue = Field(description='Sustained rate, e.g. "10/second", "10000/day".')
    burst: int = Field(0, ge=0, description="Extra requests allowed at once above the rate.")
    key: KeyOption | None = Field(None, description="Whose bucket; default: the plugin's key.")
    cost: int | None = Field(None, ge=0, description="Units per request; default: the plugin's.")
    name: str | None = Field(None, description="Name in the RateLimit headers (default limitN).")

    _name = field_validator("name")(_check_name)

    @field_validator("key")
    @classmethod
    def _key(cls, value: KeyOption | None) -> KeyOption | None:
        if value is not None:
            check_key_spec(value)
        return value


class TierLimit(PluginOptions):
    """The main limiter for one tier: a rate string or ``{ limit, burst }``."""

    limit: RateValue = Field(description="Sustained rate for callers of this tier.")
    burst: int | None = Field(None, ge=0, description="Burst for this tier; default: `burst`.")


@dataclass(frozen=True, slots=True)
class _Limiter:
    name: str
    bucket: str  # store key prefix, the caller's key is appended
    key: KeySpec
    rate: Rate
    burst: int
    cost: int
    policy_item: str  # this limiter's RateLimit-Policy list member, built once
    policy_field: bytes  # the RateLimit-Policy field when this limiter is the only one
    state_head: str  # '"name";r=': its RateLimit list member up to the remaining count
    state_field: bytes  # state_head encoded: the RateLimit field when it is the only one
    capacity: int  # burst + 1, every decision's limit
    limit_field: bytes  # the capacity, formatted once for X-RateLimit-Limit
    # (remaining, reset seconds) -> this limiter's five response fields, when it is the only
    # one and its decision's limit is its capacity (always, from either backend)
    fields: dict[tuple[int, int], Pairs] = field(default_factory=dict, compare=False)


Decisions = list[tuple[_Limiter, GcraDecision]]
"""A request's state (for the RateLimit-* headers): a bare list, made without a frame."""


class RateLimit(Plugin):
    name = "rate_limit"
    uses_shared_state = True

    class Options(PluginOptions):
        key: KeyOption = Field(
            "ip",
            description="Whose bucket: ip | identity.subject | identity.key | identity.tier | "
            "header.<name> | route | global, or a list combining them. A missing part (no "
            "identity, no header) falls back to the client IP.",
        )
        limit: RateValue | None = Field(
            None, description='Main limiter\'s sustained rate, e.g. "60/minute".'
        )
        burst: int = Field(0, ge=0, description="Extra requests allowed at once above the rate.")
        cost: int = Field(1, ge=0, description="Units each request takes from every limiter.")
        tiers: dict[str, TierLimit] = Field(
            {}, description='Main limiter per identity.tier: { free = "60/minute", ... }.'
        )
        limits: list[LimitSpec] = Field([], description="Further limiters, all must admit.")
        name: str = Field(
            "rate_limit",
            description="Bucket namespace: entries with the same name, key and limit share "
            "buckets (also across policies); different names keep them apart.",
        )
        ipv6_prefix: int = Field(
            64,
            ge=32,
            le=128,
            description='With key "ip": IPv6 clients share one bucket per network of this size '
            "(as ip_filter bans them); 128 counts each address.",
        )
        headers: bool = Field(True, description="Add RateLimit and X-RateLimit-* headers.")
        key_limits: bool = Field(
            True,
            description='Honour the caller\'s own "rate"/"burst" from identity.claims["limits"] '
            "(API key limits): they replace the main limiter. Set false on entries they must "
            "not replace (e.g. a second, per-day rate_limit entry).",
        )

        _name = field_validator("name")(_check_name)

        @field_validator("key")
        @classmethod
        def _key(cls, value: KeyOption) -> KeyOption:
            check_key_spec(value)
            return value

        @field_validator("tiers", mode="before")
        @classmethod
        def _tiers(cls, value: Any) -> Any:
            if isinstance(value, dict):
                for tier in value:
                    _check_name(str(tier))
                return {t: {"limit": v} if isinstance(v, str) else v for t, v in value.items()}
            return value

        @model_validator(mode="after")
        def _something(self) -> RateLimit.Options:
            if self.limit is None and not self.tiers and not self.limits:
                raise ValueError("rate_limit needs `limit`, `tiers` or `limits`")
            names = [spec.name for spec in self.limits if spec.name]
            if len(set(names)) != len(names):
                raise ValueError(f"limits have duplicate names: {names}")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        key = KeySpec(check_key_spec(options.key), options.ipv6_prefix)
        self._main: _Limiter | None = None
        if options.limit is not None:
            self._main = self._build("default", key, options.limit, options.burst, options.cost)
        self._tiers = {
            tier: self._build(f"tier-{tier}", key, spec.limit,
                              options.burst if spec.burst is None else spec.burst, options.cost)
            for tier, spec in options.tiers.items()
        }  # fmt: skip
        self._extra = [
            self._build(
                spec.name or f"limit{i + 1}",
                KeySpec(check_key_spec(spec.key), options.ipv6_prefix)
                if spec.key is not None
                else key,
                spec.limit,
                spec.burst,
                options.cost if spec.cost is None else spec.cost,
            )
            for i, spec in enumerate(options.limits)
        ]
        self._key = key
        self._read_limits = KeyLimitsReader() if options.key_limits else None
        self._per_key: dict[tuple[Rate, int], _Limiter] = {}
        self._default = [self._main, *self._extra] if self._main is not None else self._extra

    def _build(self, name: str, key: KeySpec, rate: Rate, burst: int, cost: int) -> _Limiter:
        bucket = f"rate_limit:{self.options.name}:{name}:{rate.count:g}/{rate.period:g}+{burst}:"
        capacity = burst + 1
        window = max(1, math.ceil(capacity * rate.interval))
        policy = f'"{name}";q={capacity};w={window}'
        head = f'"{name}";r='
        return _Limiter(name, bucket + str(key) + ":", key, rate, burst, cost, policy,
                        policy.encode("latin-1"), head, head.encode("latin-1"), capacity,
                        b"%d" % capacity)  # fmt: skip

    def limiters_for(self, ex: Exchange) -> list[_Limiter]:
        """The limiters that apply to this request: the tier's or main one, then the rest."""
        identity = ex.identity
        main = self._main
        if identity is not None:
            tier = identity.tier
            if tier is not None and self._tiers:
                main = self._tiers.get(tier, main)
            if self._read_limits is not None and "limits" in identity.claims:
                main = self._caller_limiter(ex, main)
        if main is self._main:  # the usual request: the list built at load (only read)
            return self._default
        return [main, *self._extra] if main is not None else list(self._extra)

    def _caller_limiter(self, ex: Exchange, main: _Limiter | None) -> _Limiter | None:
        """The caller's own main limiter when its claims set ``rate`` or ``burst``."""
        assert self._read_limits is not None
        own = self._read_limits(ex)
        if own is None or (own.rate is None and own.burst is None):
            return main
        rate = own.rate or (main.rate if main is not None else None)
        if rate is None:  # a burst alone, and no main limiter to apply it to
            return main
        burst = own.burst if own.burst is not None else self.options.burst
        limiter = self._per_key.get((rate, burst))
        if limiter is None:
            if len(self._per_key) >= 1024:
                self._per_key.clear()
            limiter = self._build("key", self._key, rate, burst, self.options.cost)
            self._per_key[(rate, burst)] = limiter
        return limiter

    async def on_request(self, ex: Exchange) -> Response | None:
        decisions: Decisions = ex.state_for(self, list)
        store = self.services.store
        identity = ex.identity
        # ``limiters_for``'s usual answer without its call: no identity, or one with no tier
        # to look up and no limits of its own to read.
        if identity is None or (
            not self._tiers and (self._read_limits is None or "limits" not in identity.claims)
        ):
            limiters = self._default
        else:
            limiters = self.limiters_for(ex)
        for limiter in limiters:
            key = limiter.bucket + limiter.key.key(ex)
            decision = await store.gcra(key, limiter.rate, limiter.burst, limiter.cost)
            decisions.append((limiter, decision))
            if not decision.allowed:
                self._refuse(ex, limiter, decision, decisions)
        return None

    def _refuse(
        self, ex: Exchange, limiter: _Limiter, decision: GcraDecision, decisions: Decisions
    ) -> None:
        never = math.isinf(decision.retry_after)
        reason = (f"request cost {limiter.cost} exceeds limiter {limiter.name!r}" if never
                  else f"limiter {limiter.name!r} ({limiter.rate}) is exhausted")  # fmt: skip
        if not self.monitoring:  # in monitor mode the chain records the would-be refusal
            ex.record_event("rate_limited", self.name, reason, limiter=limiter.name)
        headers = rate_limit_headers(decisions) if self.options.headers else {}
        headers["Retry-After"] = retry_after(decision.retry_after)
        raise PolicyError(429, "rate_limited", f"rate limit exceeded: {reason}", headers)

    async def on_response(self, ex: Exchange) -> None:
        if not self.options.headers:
            return
        decisions: Decisions = ex.state_for(self, list)
        if decisions:
            replace_headers(ex.response_headers, _FIELD_NAMES, rate_limit_fields(decisions))

    def tiers_named(self) -> frozenset[str]:
        return frozenset(self.options.tiers)

    def describe(self) -> dict[str, Any]:
        every = [*([self._main] if self._main else []), *self._tiers.values(), *self._extra]
        return {
            "key": str(KeySpec(check_key_spec(self.options.key))),
            "limiters": {
                lim.name: {"rate": str(lim.rate), "burst": lim.burst, "cost": lim.cost,
                           "key": str(lim.key)}
                for lim in every
            },
        }  # fmt: skip


_INF = math.inf
_FIELD_NAMES = frozenset(
    {b"ratelimit-policy", b"ratelimit", b"x-ratelimit-limit", b"x-ratelimit-remaining",
     b"x-ratelimit-reset"}
)  # fmt: skip


def _fields(decisions: Decisions) -> tuple[str, str, int, int, int]:
    """RateLimit-Policy, RateLimit, and the tightest limiter's limit, remaining and reset
    (the one with the fewest requests left; on a tie, the longest wait)."""
    policies = []
    states = []
    tightest: tuple[int, int, int] | None = None
    for limiter, decision in decisions:
        reset = decision.retry_after if not decision.allowed else decision.reset_after
        seconds = 86400 if math.isinf(reset) else max(0, math.ceil(reset))
        policies.append(limiter.policy_item)
        states.append(f"{limiter.state_head}{decision.remaining};t={seconds}")
        if tightest is None or (decision.remaining, -seconds) < (tightest[0], -tightest[1]):
            tightest = (decision.remaining, seconds, decision.limit)
    assert tightest is not None
    return ", ".join(policies), ", ".join(states), tightest[2], tightest[0], tightest[1]


def rate_limit_headers(decisions: Decisions) -> dict[str, str]:
    """The IETF draft fields (draft-ietf-httpapi-ratelimit-headers, structured-field syntax)
    for every limiter checked, and ``X-RateLimit-*`` for the tightest of them.

    GCRA has no fixed window, so a limiter is described as what it really allows: ``q`` =
    the bucket capacity (``burst + 1``) per ``w`` = the seconds it takes to refill, which is
    the same sustained rate. ``r`` is what may be sent right now; ``t`` is the seconds until
    the bucket is full again, or, after a refusal, until the next request would pass.
    """
    policy, state, limit, remaining, reset = _fields(decisions)
    return {
        "RateLimit-Policy": policy,
        "RateLimit": state,
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


def rate_limit_fields(decisions: Decisions) -> Pairs:
    """``rate_limit_headers`` as the (name, value) byte pairs of a response: built straight
    as bytes, and for one limiter (the usual entry) without the lists and the dict, and
    built once per (remaining, reset seconds) the limiter answers with (the response path
    of every request; the refusal path keeps the dict)."""
    if len(decisions) != 1:
        policy, state, limit, remaining, reset = _fields(decisions)
        return (
            (b"ratelimit-policy", policy.encode("latin-1")),
            (b"ratelimit", state.encode("latin-1")),
            (b"x-ratelimit-limit", b"%d" % limit),
            (b"x-ratelimit-remaining", b"%d" % remaining),
            (b"x-ratelimit-reset", b"%d" % reset),
        )
    limiter, decision = decisions[0]
    wait = decision.reset_after if decision.allowed else decision.retry_after
    # ``max(0, ceil(wait))`` and ``isinf`` as comparisons: ``max`` alone was ~1.5 k
    # instructions of the ~9 k this function took.
    seconds = 86400 if wait == _INF else math.ceil(wait) if wait > 0 else 0
    remaining = decision.remaining
    if decision.limit == limiter.capacity:
        # A limiter answers with few (remaining, seconds) pairs (a caller's bucket is mostly
        # full, the reset a second or two): the five pairs are looked up, not formatted —
        # ~2.5 k instructions instead of ~7 k (two ``b"%d" %``, three concatenations, six
        # tuples). Bounded: a limiter keeps at most _FIELDS_KEPT of them.
        kept = limiter.fields.get((remaining, seconds))
        if kept is not None:
            return kept
    return _one_limiter_fields(limiter, decision.limit, remaining, seconds)


_FIELDS_KEPT = 64
"""(remaining, seconds) pairs whose fields a limiter keeps: < 64 KiB each, and at most
1,024 per-caller limiters besides the configured ones (``RateLimit._per_key``)."""


def _one_limiter_fields(limiter: _Limiter, limit: int, remaining: int, seconds: int) -> Pairs:
    """The fields of one limiter's decision, formatted; kept when ``limit`` is its capacity."""
    left = b"%d" % remaining
    reset = b"%d" % seconds
    capacity = limit == limiter.capacity
    fields = (
        (b"ratelimit-policy", limiter.policy_field),
        (b"ratelimit", limiter.state_field + left + b";t=" + reset),
        (b"x-ratelimit-limit", limiter.limit_field if capacity else b"%d" % limit),
        (b"x-ratelimit-remaining", left),
        (b"x-ratelimit-reset", reset),
    )
    if capacity:
        kept = limiter.fields
        if len(kept) >= _FIELDS_KEPT:
            kept.clear()
        kept[(remaining, seconds)] = fields
    return fields
