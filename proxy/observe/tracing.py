"""The tracing seam: what the core calls so a tracer can see plugins and upstream attempts.

The core never depends on a tracing library. A plugin (the built-in ``tracing``) puts a
``RequestTrace`` on ``ex.trace`` early in the request phase; the chain then reports each
plugin that runs after it, and the upstream group reports every attempt — number, target,
why it was made — and lets the trace add its propagation headers (W3C ``traceparent``) to
the provider request. With no trace on the exchange, none of this costs anything.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class AttemptSpan(Protocol):
    def end(self, status: int | None, error: str | None = None) -> None:
        """The attempt's outcome: the provider's status, or the error kind."""
        ...


class RequestTrace(Protocol):
    def plugin(self, name: str, phase: str) -> AbstractContextManager[object]:
        """A span around one plugin hook call."""
        ...

    def attempt(
        self, target: str, number: int, reason: str | None, headers: list[tuple[str, str]]
    ) -> AttemptSpan:
        """Start an upstream attempt; may append propagation headers to ``headers``."""
        ...
