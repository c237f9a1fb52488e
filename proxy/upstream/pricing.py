"""USD from a provider's ``pricing`` (per 1M tokens): the one formula that the ``cheapest``
balancer's estimate, the usage meter and the budgets all go through."""

from __future__ import annotations

TokenPrice = tuple[float, float]  # (input, output) USD per 1M tokens
PER_TOKENS = 1_000_000


def tokens_cost(price: TokenPrice, input_tokens: int, output_tokens: int) -> float:
    return (input_tokens * price[0] + output_tokens * price[1]) / PER_TOKENS
