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

from pydantic import Field, model_validator

from plugins._estimates import estimate_input_tokens, request_payload, requested_output_tokens
from plugins._limits import Allowance, Refusal, WindowName
from plugins._reserving import ReservingLimit, ReservingOptions
from proxy.exchange import Exchange, Usage
from proxy.plugin import PluginOptions, Services


class BudgetAllowances(PluginOptions):
    """USD allowances of one tier (a missing window is unlimited)."""

    per_day: float | None = Field(None, gt=0, description="USD per UTC day.")
    per_month: float | None = Field(None, gt=0, description="USD per UTC calendar month.")

    def allowances(self) -> tuple[Allowance, ...]:
        pairs: tuple[tuple[WindowName, float | None], ...] = (
            ("day", self.per_day), ("month", self.per_month)
        )  # fmt: skip
        return tuple(Allowance(w, n) for w, n in pairs if n is not None)


class Budget(ReservingLimit):
    name = "budget"
    unit = "usd"
    refusal_status = 402
    refusal_type = "budget_exceeded"
    refusal_event = "budget_exceeded"

    class Options(ReservingOptions):
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
        name: str = Field("budget", description="Counter namespace (as rate_limit's).")

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
        default = BudgetAllowances(per_day=options.per_day, per_month=options.per_month)
        tiers = {tier: spec.allowances() for tier, spec in options.tiers.items()}
        super().__init__(options, services, default.allowances(), tiers)

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

    def actual(self, ex: Exchange) -> float:
        return self.actual_cost(ex.usage)

    def actual_cost(self, usage: Usage) -> float:
        """What the exchange cost: the core's priced cost, else tokens at the configured price."""
        if usage.cost > 0 or self.options.max_cost_per_1k_tokens is None:
            return usage.cost
        return usage.total_tokens / 1000 * self.options.max_cost_per_1k_tokens

    def reason(self, refusal: Refusal, estimate: float) -> str:
        window = refusal.allowance.window
        return (f"${refusal.used:.4f} of ${refusal.allowance.limit:.2f} spent this {window}; "
                f"this request may cost up to ${estimate:.4f}")  # fmt: skip

    def describe(self) -> dict[str, Any]:
        return {**super().describe(),
                "estimate_cost_per_request": self.options.estimate_cost_per_request,
                "max_cost_per_1k_tokens": self.options.max_cost_per_1k_tokens}  # fmt: skip
