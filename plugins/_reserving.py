"""The reserve-then-settle shape that ``token_limit`` and ``budget`` share (not a plugin).

Before forwarding, an estimate is reserved in every window of the caller's allowance,
atomically in the shared store, and a request that does not fit is refused before it costs
anything. After the exchange, the reservation is replaced by what was really used. A
subclass says only what is counted: its estimate, its actual amount, and how a refusal reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator
from starlette.responses import Response

from plugins._limits import (
    Allowance,
    Held,
    KeyLimitsReader,
    KeySpec,
    Refusal,
    Reserver,
    check_key_spec,
    override_allowances,
    retry_after,
    settled_amount,
)
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services


class ReservingOptions(PluginOptions):
    """Options every reserving limit has; subclasses add their windows and estimates."""

    key: str | list[str] = Field(
        "identity.subject",
        description="Whose allowance: same sources as rate_limit's key; a missing part "
        "(no identity) falls back to the client IP.",
    )
    default_max_tokens: int = Field(
        1024, ge=0, description="Output tokens assumed when the request sets no max_tokens."
    )
    key_limits: bool = Field(
        True,
        description='Honour the caller\'s own windows from identity.claims["limits"] (API key '
        "limits): each one replaces that window's allowance.",
    )

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | list[str]) -> str | list[str]:
        check_key_spec(value)
        return value


@dataclass(slots=True)
class Reserved:
    entry: tuple[list[Held], float] | None = None  # what was held, and the estimate


class ReservingLimit(Plugin):
    uses_shared_state = True
    needs_request_body = True
    # What a caller's own ``limits`` entries are called ("tokens" -> tokens_per_day...).
    unit: ClassVar[Literal["tokens", "usd"]] = "tokens"
    refusal_status: ClassVar[int] = 429
    refusal_type: ClassVar[str] = ""
    refusal_event: ClassVar[str] = ""

    def __init__(
        self,
        options: Any,
        services: Services,
        default: tuple[Allowance, ...],
        tiers: dict[str, tuple[Allowance, ...]],
    ) -> None:
        super().__init__(options, services)
        self._key = KeySpec(check_key_spec(options.key))
        self._default = default
        self._tiers = tiers
        self._read_limits = KeyLimitsReader() if options.key_limits else None
        self._reserver = Reserver(services.store, f"{self.name}:{options.name}:", services.clock)

    async def estimate(self, ex: Exchange) -> float:
        """What to reserve before the request is forwarded."""
        raise NotImplementedError

    def actual(self, ex: Exchange) -> float:
        """What the exchange really used (read once it completed)."""
        raise NotImplementedError

    def reason(self, refusal: Refusal, estimate: float) -> str:
        raise NotImplementedError

    def _allowances(self, ex: Exchange) -> tuple[Allowance, ...]:
        tier = ex.identity.tier if ex.identity else None
        base = self._tiers.get(tier, self._default) if tier is not None else self._default
        own = self._read_limits(ex) if self._read_limits is not None else None
        windows = own.windows(self.unit) if own is not None else None
        return override_allowances(base, windows) if windows else base

    async def on_request(self, ex: Exchange) -> Response | None:
        allowances = self._allowances(ex)
        if not allowances:
            return None
        estimate = await self.estimate(ex)
        key, _ = self._key.resolve(ex)
        held, refusal = await self._reserver.reserve(key, allowances, estimate)
        if refusal is None:
            ex.state_for(self, Reserved).entry = (held, estimate)
            return None
        reason = self.reason(refusal, estimate)
        if not self.monitoring:
            ex.record_event(self.refusal_event, self.name, reason,
                            window=refusal.allowance.window)  # fmt: skip
        raise PolicyError(self.refusal_status, self.refusal_type,
                          f"{self.refusal_type.replace('_', ' ')}: {reason}",
                          {"Retry-After": retry_after(refusal.reset_in)})  # fmt: skip

    async def on_complete(self, ex: Exchange) -> None:
        entry = ex.state_for(self, Reserved).entry
        if entry is None:
            return
        held, estimate = entry
        actual = settled_amount(ex.status, ex.usage.reported, self.actual(ex), estimate)
        await self._reserver.settle(held, actual)

    def tiers_named(self) -> frozenset[str]:
        return frozenset(self._tiers)

    def describe(self) -> dict[str, Any]:
        def show(allowances: tuple[Allowance, ...]) -> dict[str, float]:
            return {f"per_{a.window}": a.limit for a in allowances}

        return {"key": str(self._key), "default": show(self._default),
                "tiers": {t: show(a) for t, a in self._tiers.items()}}  # fmt: skip
