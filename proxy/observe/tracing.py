"""The tracing seam: what the core calls so a tracer can see plugins and upstream attempts.

The core never depends on a tracing library. A plugin (the built-in ``tracing``) puts a
``RequestTrace`` on ``ex.trace`` early in the request phase; the chain then times each
plugin hook that runs after it and reports the ones that did work (refused, failed, or ran
at least ``plugin_span_min_ns``), and the upstream group reports every attempt — number,
target, why it was made — and lets the trace add its propagation headers (W3C
``traceparent``) to the provider request. With no trace on the exchange, none of this costs
anything.

The chain times a hook with two clock reads and tells the trace only about hooks that did
work, rather than asking the trace for a context manager around every hook: the usual hook
(a header set, a remembered token) then costs no object and no call into the trace
(~1 µs per hook before, four to five hooks per request on a public route).

The trace's ``finish(ex)`` is called by the reporter once, synchronously, when the exchange
is complete (after the last byte, an error or a disconnect; the same moment the access line
is written). Closing the server span there, instead of in an ``on_complete`` hook, spares
every traced request the background task that complete hooks run in. ``trace_id`` joins the
access line to the trace. Every ability is declared here, so the core calls them directly,
never by ``getattr``.
"""

from __future__ import annotations

from typing import Any, Protocol


class AttemptSpan(Protocol):
    def end(self, status: int | None, error: str | None = None) -> None:
        """The attempt's outcome: the provider's status, or the error kind."""
        ...


class RequestTrace(Protocol):
    plugin_span_min_ns: int
    """A hook that neither refused nor failed is reported when it ran at least this long."""

    def plugin_hook(
        self, name: str, phase: str, start_ns: int, end_ns: int, error: BaseException | None
    ) -> None:
        """A plugin hook did work: it ran from ``start_ns`` to ``end_ns`` (``time.time_ns``)
        and raised ``error`` (a refusal is a ``GatewayError``), or ran past the minimum."""
        ...

    def attempt(
        self,
        target: str,
        number: int,
        reason: str | None,
        headers: list[tuple[str, str]],
        propagation: bool = True,
    ) -> AttemptSpan:
        """Start an upstream attempt; may append propagation headers to ``headers``.
        ``propagation`` False says ``headers`` hold no ``traceparent``/``tracestate`` yet
        (the core knows from the pass that built them), so there is nothing to replace."""
        ...

    @property
    def trace_id(self) -> str | None:
        """The trace's id when this request is sampled (for the access log), else None."""
        ...

    def finish(self, ex: Any) -> None:
        """The exchange is complete: record what is known and end the request's span (a
        trace with nothing to do here does nothing)."""
        ...
