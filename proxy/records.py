"""What plugins tell each other through the exchange: who is calling (``Identity``), what
the call used (``Usage``) and what looked wrong (``SecurityEvent``).

Plugins never import each other; one writes these to ``ex.identity``, ``ex.usage`` and
``ex.events`` for the next to read, and the core reads them for limits, budgets, metrics
and logs. Part of the public API (``sluicegate.api``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Identity:
    """Who is calling, as established by an authentication plugin (jwt, api_key)."""

    subject: str
    key_id: str | None = None
    tier: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # The model aliases this caller may use (None: any). The core checks it once the request
    # phase is over and the model is final, so a plugin that rewrites ``model`` later in the
    # chain cannot get around it.
    allowed_models: frozenset[str] | None = None
    # The team a runtime (store) key belongs to: spend, budgets and metrics are kept per team.
    team: str | None = None
    # The plugin that set this identity runs in monitor mode: the core's checks on its behalf
    # (the model allowlist) record their event and let the request through.
    monitored: bool = False


@dataclass(slots=True)
class Usage:
    """Tokens and cost of this exchange, from the provider's ``usage`` block when it has one."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    provider: str | None = None
    model: str | None = None
    # The ``model`` the provider says answered (JSON body or stream events): often a dated
    # snapshot of the requested one ("gpt-4o" -> "gpt-4o-2024-08-06"); None if it said none.
    response_model: str | None = None
    reported: bool = False
    # Prompt tokens read from / written to the provider's prompt cache (included in input).
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    # What is priced per unit where the provider reports no tokens: "images", "seconds" of
    # audio, "characters" of speech input (docs/providers.md).
    units: float = 0.0
    unit: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class SecurityEvent:
    """Something a policy noticed: logged as one line and counted by type after the request."""

    type: str
    plugin: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
    monitored: bool = False
