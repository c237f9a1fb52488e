"""token_limit: tokens per minute / hour / day per caller, refused before they are spent.

Counting tokens only after a response (as most gateways do) lets a burst of concurrent long
requests blow far through a limit. Here the request phase reserves an estimate in every
window, atomically in the shared store (the prompt's text at ~4 chars per token, plus the
``max_tokens`` the client asked for, or ``default_max_tokens``); a request that does not fit
is refused with 429 before it reaches a provider. When the exchange completes, the
reservation is replaced by the provider's reported usage (``ex.usage``, filled by the core
from JSON bodies and from the final streaming chunk).

Windows are UTC calendar windows keyed by the wall clock, shared by every instance. A
caller's own ``tokens_per_minute`` / ``_hour`` / ``_day`` in ``identity.claims["limits"]`` (an
API key's ``limits`` table) replace those windows for that caller (``key_limits = false``
turns that off).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from plugins._estimates import estimate_input_tokens, request_payload, requested_output_tokens
from plugins._limits import Allowance, Refusal, WindowName
from plugins._reserving import ReservingLimit, ReservingOptions
from proxy.exchange import Exchange
from proxy.plugin import PluginOptions, Services


class TokenAllowances(PluginOptions):
    """Token allowances of one tier (a missing window is unlimited)."""

    per_minute: int | None = Field(None, gt=0, description="Tokens per UTC minute.")
    per_hour: int | None = Field(None, gt=0, description="Tokens per UTC hour.")
    per_day: int | None = Field(None, gt=0, description="Tokens per UTC day.")

    def allowances(self) -> tuple[Allowance, ...]:
        pairs: tuple[tuple[WindowName, int | None], ...] = (
            ("minute", self.per_minute), ("hour", self.per_hour), ("day", self.per_day)
        )  # fmt: skip
        return tuple(Allowance(w, float(n)) for w, n in pairs if n is not None)


class TokenLimit(ReservingLimit):
    name = "token_limit"
    unit = "tokens"
    refusal_status = 429
    refusal_type = "token_limit_exceeded"
    refusal_event = "token_limited"

    class Options(ReservingOptions):
        per_minute: int | None = Field(None, gt=0, description="Tokens per UTC minute.")
        per_hour: int | None = Field(None, gt=0, description="Tokens per UTC hour.")
        per_day: int | None = Field(None, gt=0, description="Tokens per UTC day.")
        tiers: dict[str, TokenAllowances] = Field(
            {}, description="Allowances per identity.tier; they replace the defaults above."
        )
        name: str = Field("token_limit", description="Counter namespace (as rate_limit's).")

        @model_validator(mode="after")
        def _something(self) -> TokenLimit.Options:
            if not (self.per_minute or self.per_hour or self.per_day or self.tiers):
                raise ValueError("token_limit needs per_minute, per_hour, per_day or tiers")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        default = TokenAllowances(
            per_minute=options.per_minute, per_hour=options.per_hour, per_day=options.per_day
        ).allowances()
        tiers = {tier: spec.allowances() for tier, spec in options.tiers.items()}
        super().__init__(options, services, default, tiers)

    async def estimate(self, ex: Exchange) -> float:
        payload, size = await request_payload(ex)
        return float(
            estimate_input_tokens(payload, size)
            + requested_output_tokens(payload, self.options.default_max_tokens)
        )

    def actual(self, ex: Exchange) -> float:
        return float(ex.usage.total_tokens)

    def reason(self, refusal: Refusal, estimate: float) -> str:
        return (f"{refusal.used:.0f} of {refusal.allowance.limit:.0f} tokens used this "
                f"{refusal.allowance.window}; this request needs about {estimate:.0f}")  # fmt: skip
