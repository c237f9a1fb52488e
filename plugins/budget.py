"""budget: USD per day / month per caller, refused with 402 before the money is spent.

Same shape as ``token_limit``: the request phase reserves an estimated cost in every window
(atomically, in the shared store) and refuses with 402 when it does not fit; the complete
phase replaces the estimate with the real cost, ``ex.usage.cost``, which the core computes
from the provider's ``usage`` and its ``pricing`` table (streaming included).

A plugin cannot see which provider a request will reach, so the estimate is configured:
``estimate_cost_per_request`` (a flat USD amount), or ``max_cost_per_1k_tokens`` (the price
of the route's most expensive candidate, applied to the estimated prompt tokens plus
``max_tokens``). When both are given the larger estimate is used. When a provider reports
tokens but has no pricing, ``max_cost_per_1k_tokens`` prices them; without it they cost 0.

A caller's own ``usd_per_day`` / ``usd_per_month`` in ``identity.claims["limits"]`` (an API
key's ``limits`` table) replace those windows for that caller (``key_limits = false`` turns
that off).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from starlette.responses import Response

from plugins._limits import (
    Allowance,
    Held,
    KeyLimitsReader,
    KeySpec,
    Reserver,
    check_key_spec,
    estimate_input_tokens,
    override_allowances,
    request_payload,
    requested_output_tokens,
    retry_after,
    settled_amount,
)
from proxy.errors import PolicyError
from proxy.exchange import Exchange, Usage
from proxy.plugin import Plugin, PluginOptions, Services


class BudgetAllowances(PluginOptions):
    """USD allowances of one tier (a missing window is unlimited)."""

    per_day: float | None = Field(None, gt=0, description="USD per UTC day.")
    per_month: float | None = Field(None, gt=0, description="USD per UTC calendar month.")

    def allowances(self) -> tuple[Allowance, ...]:
        out = []
        if self.per_day is not None:
            out.append(Allowance("day", self.per_day))
        if self.per_month is not None:
            out.append(Allowance("month", self.per_month))
        return tuple(out)


class Budget(Plugin):
    name = "budget"
    uses_shared_state = True
    needs_request_body = True

    class Options(PluginOptions):
        key: str | list[str] = Field(
            "identity.subject",
            description="Whose budget: same sources as rate_limit's key; a missing part "
            "(no identity) falls back to the client IP.",
        )
        per_day: float | None = Field(None, gt=0, description="USD per UTC day.")
        per_month: float | None = Field(None, gt=0, description="USD per UTC calendar month.")
        tiers: dict[str, BudgetAllowances] = Field(
            {}, description="Allowances per identity.tier; they replace the defaults above."
        )
        estimate_cost_per_request: float | None = Field(
            None, ge=0, description="USD reserved per request before forwarding."
        )
        max_cost_per_1k_tokens: float | None = Field(
            None, ge=0,
            description="USD per 1,000 tokens of the route's priciest model: prices the "
            "estimate (prompt + max_tokens) and unpriced usage.",
        )  # fmt: skip
        default_max_tokens: int = Field(
            1024, ge=0, description="Output tokens assumed when the request sets no max_tokens."
        )
        name: str = Field("budget", description="Counter namespace (as rate_limit's).")
        key_limits: bool = Field(
            True,
            description='Honour the caller\'s own usd_per_day/month from identity.claims["limits"] '
            "(API key limits): each one replaces that window's allowance.",
        )

        @field_validator("key")
        @classmethod
        def _key(cls, value: str | list[str]) -> str | list[str]:
            check_key_spec(value)
            return value

        @model_validator(mode="after")
        def _complete(self) -> Budget.Options:
            if not (self.per_day or self.per_month or self.tiers):
                raise ValueError("budget needs per_day, per_month or tiers")
            if self.estimate_cost_per_request is None and self.max_cost_per_1k_tokens is None:
                raise ValueError(
                    "budget needs estimate_cost_per_request or max_cost_per_1k_tokens to "
                    "refuse a request before it costs money (0 means: refuse only once spent)"
                )
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._key = KeySpec(check_key_spec(options.key))
        self._default = BudgetAllowances(
            per_day=options.per_day, per_month=options.per_month
        ).allowances()
        self._tiers = {tier: spec.allowances() for tier, spec in options.tiers.items()}
        self._read_limits = KeyLimitsReader() if options.key_limits else None
        self._reserver = Reserver(services.store, f"budget:{options.name}:", services.clock)

    def _allowances(self, ex: Exchange) -> tuple[Allowance, ...]:
        tier = ex.identity.tier if ex.identity else None
        base = self._tiers.get(tier, self._default) if tier is not None else self._default
        own = self._read_limits(ex) if self._read_limits is not None else None
        windows = own.windows("usd") if own is not None else None
        return override_allowances(base, windows) if windows else base

    async def estimate(self, ex: Exchange) -> float:
        """The USD reserved for this request before it is forwarded."""
        options = self.options
        flat = options.estimate_cost_per_request or 0.0
        if options.max_cost_per_1k_tokens is None:
            return flat
        payload, size = await request_payload(ex)
        tokens = estimate_input_tokens(payload, size) + requested_output_tokens(
            payload, options.default_max_tokens
        )
        return max(flat, tokens / 1000 * options.max_cost_per_1k_tokens)

    def actual_cost(self, usage: Usage) -> float:
        """What the exchange cost: the core's priced cost, else tokens at the configured price."""
        if usage.cost > 0 or self.options.max_cost_per_1k_tokens is None:
            return usage.cost
        return usage.total_tokens / 1000 * self.options.max_cost_per_1k_tokens

    async def on_request(self, ex: Exchange) -> Response | None:
        allowances = self._allowances(ex)
        if not allowances:
            return None
        estimate = await self.estimate(ex)
        key, _ = self._key.resolve(ex)
        held, refusal = await self._reserver.reserve(key, allowances, estimate)
        if refusal is None:
            ex.state_for(self)["held"] = (held, estimate)
            return None
        window = refusal.allowance.window
        reason = (f"${refusal.used:.4f} of ${refusal.allowance.limit:.2f} spent this {window}; "
                  f"this request may cost up to ${estimate:.4f}")  # fmt: skip
        if not self.monitoring:
            ex.record_event("budget_exceeded", self.name, reason, window=window)
        raise PolicyError(402, "budget_exceeded", f"budget exceeded: {reason}",
                          {"Retry-After": retry_after(refusal.reset_in)})  # fmt: skip

    async def on_complete(self, ex: Exchange) -> None:
        entry: tuple[list[Held], float] | None = ex.state_for(self).get("held")
        if entry is None:
            return
        held, estimate = entry
        actual = self.actual_cost(ex.usage)
        await self._reserver.settle(held, settled_amount(ex.status, ex.usage.reported, actual,
                                                         estimate))  # fmt: skip

    def describe(self) -> dict[str, Any]:
        def show(allowances: tuple[Allowance, ...]) -> dict[str, float]:
            return {f"per_{a.window}": a.limit for a in allowances}

        return {"key": str(self._key), "default": show(self._default),
                "tiers": {t: show(a) for t, a in self._tiers.items()},
                "estimate_cost_per_request": self.options.estimate_cost_per_request,
                "max_cost_per_1k_tokens": self.options.max_cost_per_1k_tokens}  # fmt: skip
