"""The translator contract: one client API spoken to a provider of another dialect.

Envoy AI Gateway's ``translator/`` layout: one module per (client API, provider dialect) pair,
each a handful of pure functions — the request body, the JSON response, the error body, and a
stream translator that turns the provider's events into the client's as they arrive. A feature
with no counterpart on the other side is refused with a 400 that names it, before any provider
is called; nothing is silently dropped that changes what the model would do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from proxy.apis import ClientApi
from proxy.errors import GatewayError

Payload = dict[str, Any]


class Untranslatable(GatewayError):
    """A request feature the target's API has no counterpart for: a 400 naming it."""

    def __init__(self, feature: str, target: str) -> None:
        super().__init__(
            400,
            "unsupported_feature",
            f"{feature} has no counterpart in the {target} API, so this request cannot be "
            "sent to that provider",
        )


@dataclass(frozen=True, slots=True)
class Call:
    """What a translator needs to know about one request beyond its body."""

    model: str | None
    stream: bool
    include_usage: bool
    default_max_tokens: int = 4096


class StreamTranslator(Protocol):
    def feed(self, chunk: bytes) -> bytes:
        """The client's events for this chunk of the provider's stream (may be empty)."""
        ...

    def end(self) -> bytes:
        """Whatever closes the client's stream once the provider's ended."""
        ...


@dataclass(frozen=True, slots=True)
class Translator:
    client: str  # the client API's name ("chat", "messages")
    dialect: str  # the provider dialect it reaches ("anthropic", "openai")
    wire: ClientApi  # the API the provider is called with
    request: Callable[[Payload, Call], Payload]  # raises Untranslatable
    response: Callable[[bytes, Call], bytes]
    error: Callable[[int, bytes], bytes]
    stream: Callable[[Call], StreamTranslator]
