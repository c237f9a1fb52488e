"""Limits and budgets of runtime keys (``api_key`` with ``source = "store"``), not a plugin.

A key made through the admin API carries its own ``rpm``, ``tpm`` and ``budget_usd``, and so
may its team; they hold whatever else the route's policy says, so ``api_key`` enforces them
itself, with the same reserve-then-settle counters in the shared state store that
``token_limit`` and ``budget`` use (``plugins/_limits.py``): before forwarding, one request
(and a minimal token/cost reservation) is reserved in each window, atomically, and a caller
already at a limit is refused (429, or 402 for money); after the exchange the reservation
is replaced by what the provider reported (``ex.usage``). So a team's budget refuses the
first request after the team has spent it, on every instance that shares the store.
"""

from __future__ import annotations

from typing import Literal

from plugins._limits import Allowance, Held, Reserver, retry_after, settled_amount
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.keys.directory import RuntimeKey, Unit
from proxy.plugin import Services

_REFUSAL: dict[Unit, tuple[int, str, str]] = {
    "requests": (429, "rate_limited", "requests"),
    "tokens": (429, "token_limit_exceeded", "tokens"),
    "usd": (402, "budget_exceeded", "USD"),
}


class StoreKeyLimits:
    def __init__(self, services: Services) -> None:
        self._reservers: dict[Unit, Reserver] = {
            unit: Reserver(services.store, f"api_key:{unit}:", services.clock)
            for unit in ("requests", "tokens", "usd")
        }

    async def reserve(self, ex: Exchange, key: RuntimeKey) -> list[tuple[Unit, list[Held]]]:
        """Reserve in every window of ``key`` (and its team); refuse when one is full."""
        taken: list[tuple[Unit, list[Held]]] = []
        for allowance in key.allowances:
            reserver = self._reservers[allowance.unit]
            amount = 1.0 if allowance.unit == "requests" else 0.0
            window: Literal["minute", "day", "month"] = allowance.window
            held, refusal = await reserver.reserve(
                allowance.scope, [Allowance(window, allowance.limit)], amount
            )
            if refusal is not None:
                await self.release(taken)
                status, kind, unit = _REFUSAL[allowance.unit]
                who = allowance.scope.replace("=", " ", 1)
                used = f"${refusal.used:.4f}" if allowance.unit == "usd" else f"{refusal.used:g}"
                limit = (
                    f"${allowance.limit:.2f}" if allowance.unit == "usd" else f"{allowance.limit:g}"
                )
                reason = f"{who} used {used} of {limit} {unit} this {allowance.window}"
                ex.record_event(kind, "api_key", reason, window=allowance.window)
                raise PolicyError(
                    status,
                    kind,
                    f"{kind.replace('_', ' ')}: {reason}",
                    {"Retry-After": retry_after(refusal.reset_in)},
                )
            taken.append((allowance.unit, held))
        return taken

    async def release(self, taken: list[tuple[Unit, list[Held]]]) -> None:
        for unit, held in taken:
            await self._reservers[unit].settle(held, 0.0)

    async def settle(self, ex: Exchange, taken: list[tuple[Unit, list[Held]]]) -> None:
        usage = ex.usage
        for unit, held in taken:
            if unit == "requests":
                continue  # the request was made: the reservation stands as it is
            estimate = held[0].amount if held else 0.0
            actual = float(usage.total_tokens) if unit == "tokens" else usage.cost
            await self._reservers[unit].settle(
                held, settled_amount(ex.status, usage.reported, actual, estimate)
            )
