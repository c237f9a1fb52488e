"""``anthropic``: the Anthropic Messages API (``x-api-key`` and ``anthropic-version`` headers).

It serves ``/v1/messages`` as it is; OpenAI chat completions reach it through the
``chat -> anthropic`` translator. Anthropic answers ``529`` when overloaded, which the default
retry list includes, so a group fails over from it like from a 503.
"""

from __future__ import annotations

from typing import ClassVar

from proxy.upstream.kinds.base import Dialect, ProviderKind

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicKind(ProviderKind):
    name = "anthropic"
    description = "Anthropic Messages API: x-api-key and anthropic-version headers."
    dialect: ClassVar[Dialect] = "anthropic"
    native: ClassVar[frozenset[str]] = frozenset({"messages", "count_tokens", "models"})
    default_base_url: ClassVar[str | None] = "https://api.anthropic.com/v1"

    def auth_headers(self, key: str) -> list[tuple[str, str]]:
        version = self.config.api_version or ANTHROPIC_VERSION
        return [("x-api-key", key), ("anthropic-version", version)]
