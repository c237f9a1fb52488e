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
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services


class TokenAllowances(PluginOptions):
    """Token allowances of one tier (a missing window is unlimited)."""

    per_minute: int | None = Field(None, gt=0, description="Tokens per UTC minute.")
    per_hour: int | None = Field(None, gt=0, description="Tokens per UTC hour.")
    per_day: int | None = Field(None, gt=0, description="Tokens per UTC day.")

    def allowances(self) -> tuple[Allowance, ...]:
        pairs = (("minute", self.per_minute), ("hour", self.per_hour), ("day", self.per_day))
        return tuple(Allowance(w, float(n)) for w, n in pairs if n is not None)  # type: ignore[arg-type]


class TokenLimit(Plugin):
    name = "token_limit"
    uses_shared_state = True
    needs_request_body = True

    class Options(PluginOptions):
        key: str | list[str] = Field(
            "identity.subject",
            description="Whose tokens: same sources as rate_limit's key; a missing part "
            "(no identity) falls back to the client IP.",
        )
        per_minute: int | None = Field(None, gt=0, description="Tokens per UTC minute.")
        per_hour: int | None = Field(None, gt=0, description="Tokens per UTC hour.")
        per_day: int | None = Field(None, gt=0, description="Tokens per UTC day.")
        tiers: dict[str, TokenAllowances] = Field(
            {}, description="Allowances per identity.tier; they replace the defaults above."
        )
        default_max_tokens: int = Field(
            1024, ge=0, description="Output tokens assumed when the request sets no max_tokens."
        )
        name: str = Field("token_limit", description="Counter namespace (as rate_limit's).")
        key_limits: bool = Field(
            True,
            description="Honour the caller's own tokens_per_minute/hour/day from "
            'identity.claims["limits"] (API key limits): each replaces that window\'s allowance.',
        )

        @field_validator("key")
        @classmethod
        def _key(cls, value: str | list[str]) -> str | list[str]:
            check_key_spec(value)
            return value

        @model_validator(mode="after")
        def _something(self) -> TokenLimit.Options:
            if not (self.per_minute or self.per_hour or self.per_day or self.tiers):
                raise ValueError("token_limit needs per_minute, per_hour, per_day or tiers")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._key = KeySpec(check_key_spec(options.key))
        self._default = TokenAllowances(
            per_minute=options.per_minute, per_hour=options.per_hour, per_day=options.per_day
        ).allowances()
        self._tiers = {tier: spec.allowances() for tier, spec in options.tiers.items()}
        self._read_limits = KeyLimitsReader() if options.key_limits else None
        self._reserver = Reserver(services.store, f"token_limit:{options.name}:", services.clock)

    def _allowances(self, ex: Exchange) -> tuple[Allowance, ...]:
        tier = ex.identity.tier if ex.identity else None
        base = self._tiers.get(tier, self._default) if tier is not None else self._default
        own = self._read_limits(ex) if self._read_limits is not None else None
        windows = own.windows("tokens") if own is not None else None
        return override_allowances(base, windows) if windows else base

    async def on_request(self, ex: Exchange) -> Response | None:
        allowances = self._allowances(ex)
        if not allowances:
            return None
        payload, size = await request_payload(ex)
        estimate = estimate_input_tokens(payload, size) + requested_output_tokens(
            payload, self.options.default_max_tokens
        )
        key, _ = self._key.resolve(ex)
        held, refusal = await self._reserver.reserve(key, allowances, float(estimate))
        if refusal is None:
            ex.state_for(self)["held"] = (held, float(estimate))
            return None
        window = refusal.allowance.window
        reason = (f"{refusal.used:.0f} of {refusal.allowance.limit:.0f} tokens used this "
                  f"{window}; this request needs about {estimate}")  # fmt: skip
        if not self.monitoring:
            ex.record_event("token_limited", self.name, reason, window=window)
        raise PolicyError(429, "token_limit_exceeded", f"token limit exceeded: {reason}",
                          {"Retry-After": retry_after(refusal.reset_in)})  # fmt: skip

    async def on_complete(self, ex: Exchange) -> None:
        entry: tuple[list[Held], float] | None = ex.state_for(self).get("held")
        if entry is None:
            return
        held, estimate = entry
        usage = ex.usage
        actual = settled_amount(ex.status, usage.reported, float(usage.total_tokens), estimate)
        await self._reserver.settle(held, actual)

    def describe(self) -> dict[str, Any]:
        def show(allowances: tuple[Allowance, ...]) -> dict[str, float]:
            return {f"per_{a.window}": a.limit for a in allowances}

        return {"key": str(self._key), "default": show(self._default),
                "tiers": {t: show(a) for t, a in self._tiers.items()}}  # fmt: skip
