"""The tracing seam: what the core calls so a tracer can see plugins and upstream attempts.

The core never depends on a tracing library. A plugin (the built-in ``tracing``) puts a
``RequestTrace`` on ``ex.trace`` early in the request phase; the chain then reports each
plugin that runs after it, and the upstream group reports every attempt — number, target,
why it was made — and lets the trace add its propagation headers (W3C ``traceparent``) to
the provider request. With no trace on the exchange, none of this costs anything.

The trace's ``finish(ex)`` is called by the reporter once, synchronously, when the exchange
is complete (after the last byte, an error or a disconnect; the same moment the access line
is written). Closing the server span there, instead of in an ``on_complete`` hook, spares
every traced request the background task that complete hooks run in. ``trace_id`` joins the
access line to the trace. Every ability is declared here, so the core calls them directly,
never by ``getattr``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


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

    @property
    def trace_id(self) -> str | None:
        """The trace's id when this request is sampled (for the access log), else None."""
        ...

    def finish(self, ex: Any) -> None:
        """The exchange is complete: record what is known and end the request's span (a
        trace with nothing to do here does nothing)."""
        ...
