"""Helpers shared by the limit plugins: whose counter a request uses, windows, estimates.

Not a plugin (plugins never import each other): this module holds the small pure pieces that
``rate_limit``, ``token_limit`` and ``budget`` all need, compiled once at load.

- ``KeySpec`` turns ``key = "identity.subject"`` or ``key = ["identity.subject", "route"]``
  into a function of the Exchange. A part that is missing for a request (no identity, no such
  header) falls back to the client IP, so an anonymous caller is limited per address rather
  than sharing one bucket with every other anonymous caller.
- ``Window`` names calendar windows (minute, hour, day, month, in UTC) for counters that
  reset, and gives the key suffix and the seconds left in the current one.
- (a request's token estimate before the provider says is ``plugins._estimates``.)
- ``KeyLimits`` / ``KeyLimitsReader``: a caller's own limits from ``identity.claims["limits"]``
  (an API key's ``limits`` table, or the same claim in a JWT), which override the plugin's.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from proxy.clientip import address_unit
from proxy.config.types import RateValue
from proxy.exchange import Exchange
from proxy.state.base import Counters

KEY_SOURCES = ("ip", "identity.subject", "identity.key", "identity.tier", "route", "global")
KEY_EXPECTED = (
    'expected "ip", "identity.subject", "identity.key", "identity.tier", "route", "global" '
    'or "header.<name>", or a list of them'
)
_MAX_PART = 64  # longer values (headers are client-controlled) are hashed to bound key size

Part = Callable[[Exchange], "str | None"]


def _identity_subject(ex: Exchange) -> str | None:
    return ex.identity.subject if ex.identity else None


def _identity_key(ex: Exchange) -> str | None:
    return ex.identity.key_id if ex.identity else None


def _identity_tier(ex: Exchange) -> str | None:
    return ex.identity.tier if ex.identity else None


def _route(ex: Exchange) -> str | None:
    return ex.route_name


def _global(ex: Exchange) -> str | None:
    return "*"


_PARTS: dict[str, Part] = {
    "ip": lambda ex: ex.client_ip or None,  # replaced per KeySpec by its prefix-aware part
    "identity.subject": _identity_subject,
    "identity.key": _identity_key,
    "identity.tier": _identity_tier,
    "route": _route,
    "global": _global,
}


def check_key_spec(value: str | Sequence[str]) -> tuple[str, ...]:
    """Validate a ``key`` option; the normalised tuple of parts. Raises ValueError."""
    parts = (value,) if isinstance(value, str) else tuple(value)
    if not parts:
        raise ValueError(f"key must not be empty; {KEY_EXPECTED}")
    for part in parts:
        if part in _PARTS:
            continue
        if part.startswith("header.") and len(part) > len("header."):
            continue
        raise ValueError(f"unknown key source {part!r}; {KEY_EXPECTED}")
    if len(set(parts)) != len(parts):
        raise ValueError(f"key lists a source twice: {list(parts)}")
    return parts


def _header(name: str) -> Part:
    lowered = name.lower()

    def part(ex: Exchange) -> str | None:
        return ex.request_headers.get(lowered) or None

    return part


def _bounded(value: str) -> str:
    if len(value) <= _MAX_PART:
        return value
    return "h:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class KeySpec:
    """A compiled ``key``: ``resolve(ex)`` gives the counter key for one request.

    The result reads like ``identity.subject=alice|route=chat``; a missing part becomes
    ``ip=<client ip>`` (documented fallback) and ``fell_back`` tells the caller it happened.
    """

    def __init__(self, spec: Sequence[str], ipv6_prefix: int = 64) -> None:
        self.spec = tuple(spec)
        self._prefix = ipv6_prefix
        self._parts: list[tuple[str, Part]] = [
            (
                name,
                self._ip
                if name == "ip"
                else _PARTS[name]
                if name in _PARTS
                else _header(name[len("header.") :]),
            )
            for name in self.spec
        ]
        self._one = self._parts[0][1] if len(self._parts) == 1 else None
        self._one_head = f"{self.spec[0]}="

    def _ip(self, ex: Exchange) -> str | None:
        """The client's address, an IPv6 one as its /ipv6_prefix network: rotating addresses
        inside one /64 is one bucket, as it is one ban (issue 17, M1)."""
        return address_unit(ex.client_ip, self._prefix) if ex.client_ip else None

    def __str__(self) -> str:
        return "+".join(self.spec)

    def key(self, ex: Exchange) -> str:
        """``resolve(ex)``'s key alone: the usual key (one part, present, short) without the
        tuple, the f-string and the bounding call (every request of ``rate_limit``)."""
        if self._one is not None:
            value = self._one(ex)
            if value is not None and len(value) <= _MAX_PART:
                return self._one_head + value
        return self.resolve(ex)[0]

    def resolve(self, ex: Exchange) -> tuple[str, bool]:
        """(key, fell_back): the key for this request and whether a part was missing."""
        if len(self._parts) == 1:  # the usual key: one part, present (no list, no dedupe)
            name, part = self._parts[0]
            value = part(ex)
            if value is not None:
                return f"{name}={_bounded(value)}", False
        out: list[str] = []
        fell_back = False
        for name, part in self._parts:
            value = part(ex)
            if value is None:
                fell_back = True
                if name != "ip" and "ip" not in self.spec:
                    out.append("ip=" + (self._ip(ex) or "unknown"))
                continue
            out.append(f"{name}={_bounded(value)}")
        if not out:
            out.append("ip=" + (self._ip(ex) or "unknown"))
        # Dedupe in case two parts both fell back to the address.
        return "|".join(dict.fromkeys(out)), fell_back


# -- calendar windows -----------------------------------------------------------------------

WindowName = Literal["minute", "hour", "day", "month"]
_FIXED = {"minute": 60, "hour": 3600, "day": 86400}


def window_slot(window: WindowName, now: float) -> tuple[str, float]:
    """(suffix, seconds left) of the UTC calendar window containing ``now`` (epoch seconds).

    Counters are keyed by the suffix, so every instance that agrees on the wall clock uses
    the same counter; it expires with the window (the store's ttl, plus a little grace).
    """
    if window in _FIXED:
        size = _FIXED[window]
        index = math.floor(now / size)
        return f"{window[0]}{index}", (index + 1) * size - now
    moment = datetime.fromtimestamp(now, UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    end = datetime(year, month, 1, tzinfo=UTC).timestamp()
    return f"M{moment.year:04d}{moment.month:02d}", end - now


# -- reservations against windowed allowances ----------------------------------------------

GRACE = 60.0  # a window's counter outlives it a little, so a late settlement still finds it
MIN_RESERVATION = 1e-9  # reserving 0 would admit a caller already exactly at the limit


@dataclass(frozen=True, slots=True)
class Allowance:
    """At most ``limit`` units per calendar ``window``."""

    window: WindowName
    limit: float


@dataclass(frozen=True, slots=True)
class Held:
    """One reservation: settled later against the same counter."""

    key: str
    amount: float
    expires_at: float  # wall-clock end of the window (+ grace)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a reservation failed: which allowance, how much is used, when it resets."""

    allowance: Allowance
    used: float
    reset_in: float


class Reserver:
    """Reserve an estimate in every window atomically per counter; settle the real amount.

    ``store.reserve`` adds only if the total stays within the limit, in one atomic step, so
    concurrent requests on any number of instances can never jointly overshoot. When a later
    window refuses, the earlier reservations are given back at once.
    """

    def __init__(self, store: Counters, prefix: str, clock: Callable[[], float]) -> None:
        self.store = store
        self.prefix = prefix
        self.clock = clock

    async def reserve(
        self, key: str, allowances: Sequence[Allowance], amount: float
    ) -> tuple[list[Held], Refusal | None]:
        amount = max(amount, MIN_RESERVATION)
        now = self.clock()
        held: list[Held] = []
        for allowance in allowances:
            suffix, left = window_slot(allowance.window, now)
            counter = f"{self.prefix}{suffix}:{key}"
            ok, used = await self.store.reserve(counter, amount, allowance.limit, left + GRACE)
            if not ok:
                await self.settle(held, 0.0)
                return [], Refusal(allowance, used, left)
            held.append(Held(counter, amount, now + left + GRACE))
        return held, None

    async def settle(self, held: Sequence[Held], actual: float) -> None:
        """Replace each reservation by ``actual`` (0 gives it all back)."""
        now = self.clock()
        for item in held:
            await self.store.adjust(item.key, actual - item.amount, max(1.0, item.expires_at - now))


def settled_amount(status: int, reported: bool, actual: float, estimate: float) -> float:
    """What a finished exchange really used, for settlement.

    The provider's ``usage`` when it reported one; otherwise nothing when the request failed
    or was refused before it could cost anything (status 0 or >= 400), and the estimate when
    it succeeded without a report (e.g. the client cut a stream short): never undercount.
    """
    if reported:
        return actual
    if status == 0 or status >= 400:
        return 0.0
    return estimate


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, rounded up, at least 1."""
    if math.isinf(seconds):
        return "86400"
    return str(max(1, math.ceil(seconds)))


# -- a caller's own limits ------------------------------------------------------------------


class KeyLimits(BaseModel):
    """Per-caller limits, from ``identity.claims["limits"]``; each one present overrides the
    plugin's value (tier or default) for that caller, the rest of the plugin's config stays.

    ``rate``/``burst`` replace ``rate_limit``'s main limiter; ``tokens_per_*`` replace
    ``token_limit``'s windows; ``usd_per_*`` replace ``budget``'s windows.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    rate: RateValue | None = Field(None, description='rate_limit main limiter, e.g. "600/minute".')
    burst: int | None = Field(None, ge=0, description="rate_limit burst of the main limiter.")
    tokens_per_minute: int | None = Field(None, gt=0, description="token_limit per UTC minute.")
    tokens_per_hour: int | None = Field(None, gt=0, description="token_limit per UTC hour.")
    tokens_per_day: int | None = Field(None, gt=0, description="token_limit per UTC day.")
    usd_per_day: float | None = Field(None, gt=0, description="budget USD per UTC day.")
    usd_per_month: float | None = Field(None, gt=0, description="budget USD per UTC month.")

    def windows(self, kind: Literal["tokens", "usd"]) -> dict[WindowName, float]:
        """The windows this caller overrides for ``token_limit`` or ``budget``."""
        names: tuple[WindowName, ...] = (
            ("minute", "hour", "day") if kind == "tokens" else ("day", "month")
        )
        out: dict[WindowName, float] = {}
        for window in names:
            value = getattr(self, f"{kind}_per_{window}")
            if value is not None:
                out[window] = float(value)
        return out


def check_key_limits(value: dict[str, Any]) -> dict[str, Any]:
    """Validate a key file's ``limits`` table at load; the normalised dict (``rate`` as text)."""
    return KeyLimits.model_validate(value).model_dump(mode="json", exclude_none=True)


_CACHE_SIZE = 1024


class KeyLimitsReader:
    """Reads ``identity.claims["limits"]``, parsing each distinct table once (bounded cache).

    Key files are validated at load; a JWT from another identity provider may carry anything,
    so a table that does not validate here is ignored (the plugin's own limits apply).
    """

    def __init__(self) -> None:
        self._parsed: dict[tuple[tuple[str, Any], ...], KeyLimits | None] = {}

    def __call__(self, ex: Exchange) -> KeyLimits | None:
        identity = ex.identity
        raw = identity.claims.get("limits") if identity is not None else None
        if not raw or not isinstance(raw, dict):
            return None
        try:
            cache_key = tuple(sorted(raw.items()))
            hash(cache_key)
        except TypeError:  # unhashable values: not a valid table anyway
            return None
        if cache_key in self._parsed:
            return self._parsed[cache_key]
        try:
            parsed: KeyLimits | None = KeyLimits.model_validate(raw)
        except ValidationError:
            parsed = None
        if len(self._parsed) >= _CACHE_SIZE:
            self._parsed.clear()
        self._parsed[cache_key] = parsed
        return parsed


def override_allowances(
    base: tuple[Allowance, ...], windows: dict[WindowName, float]
) -> tuple[Allowance, ...]:
    """``base`` with the caller's windows replacing (or adding to) the configured ones."""
    merged = {a.window: a.limit for a in base}
    merged.update(windows)
    order: tuple[WindowName, ...] = ("minute", "hour", "day", "month")
    return tuple(Allowance(w, merged[w]) for w in order if w in merged)
