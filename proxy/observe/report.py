"""What happens after a request: the access line, security events, metrics, complete hooks.

All of it runs after the last byte went out, so none of it delays the client; the plugins'
``on_complete`` hooks then run in the same task (see Pipeline.handle).

The access line's times are milliseconds to the microsecond, formed as
``int(seconds * 1e6 + 0.5) / 1000``: the float ``round(seconds * 1000, 3)`` gives (0 of
4,000,000 random durations differ, tests/proxy/observe/test_access_line.py; only an exact
half-microsecond tie can round the other way) without ``round``'s trip through a decimal
string, ~1 µs a call and two calls a line; a zero cost is written as it is, unrounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import random
import sys
import time
from typing import IO, TYPE_CHECKING, Any

from orjson import OPT_APPEND_NEWLINE, dumps

from proxy.exchange import Exchange
from proxy.observe.cells import CounterCell, HistogramCell
from proxy.observe.logging import safe_dumps, timestamp
from proxy.observe.metrics import Metrics

if TYPE_CHECKING:
    from proxy.keys.ledger import SpendLedger

security_log = logging.getLogger("sluicegate.security")
log = logging.getLogger("sluicegate.observe")
_STATUS_CLASS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


class AccessLog:
    """One JSON line per request, written straight to a byte stream (no logging machinery)."""

    # Lines are flushed in batches, at most this many seconds after they were written: a
    # write(2) per request would cost more than building the line.
    FLUSH_AFTER = 0.2

    # The buffer of a line stream that came without one (see ``_buffered``).
    BUFFER = 1 << 16

    def __init__(self, stream: IO[bytes] | None = None, sample: float = 1.0) -> None:
        self._stream = _buffered(stream or sys.stdout.buffer)
        self._write = self._stream.write
        self._sample = sample
        self._flush_pending = False

    def write(self, ex: Exchange) -> None:
        """The line of ``ex``, completed now (the reporter reads its clocks once, ``write_at``)."""
        self.write_at(ex, time.time(), time.perf_counter() - ex.started_at)

    def write_at(self, ex: Exchange, now: float, elapsed: float) -> None:
        """The line of ``ex``, completed at ``now`` (``time.time()``) after ``elapsed``
        seconds: the reporter's one reading of each clock, shared with the metrics."""
        if self._sample < 1.0 and ex.status < 400 and random.random() >= self._sample:
            return
        # Read once into locals, each group decided by one test: building this line is most
        # of the access log's cost, the serialisation is C.
        identity = ex.identity
        if identity is None:
            subject = key_id = team = tier = None
        else:
            subject, key_id, team, tier = (
                identity.subject,
                identity.key_id,
                identity.team,
                identity.tier,
            )
        usage = ex.usage
        tokens = (usage.input_tokens + usage.output_tokens) or None
        input_tokens: int | None
        output_tokens: int | None
        cost: float | None
        if usage.reported:
            input_tokens = usage.input_tokens
            output_tokens = usage.output_tokens
            cost = usage.cost
            if cost:
                cost = round(cost, 9)
        else:
            input_tokens = output_tokens = cost = None
        first_byte = ex.first_byte_at
        trace = ex.trace
        line = {
            "ts": timestamp(now),
            "type": "access",
            "request_id": ex.request_id,
            "method": ex.method,
            "path": ex.path,
            "route": ex.route_name,
            "status": ex.status,
            "client_ip": ex.client_ip,
            "model": ex.model,
            "target": ex.target,
            "upstream_model": ex.upstream_model,
            "attempts": ex.attempts,
            "duration_ms": int(elapsed * 1e6 + 0.5) / 1000,
            "ttfb_ms": (
                int((first_byte - ex.started_at) * 1e6 + 0.5) / 1000 if first_byte else None
            ),
            "identity": subject,
            "key_id": key_id,
            "team": team,
            "tier": tier,
            "tokens": tokens,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost,
            "cache_read_tokens": usage.cache_read_tokens or None,
            "cache_write_tokens": usage.cache_write_tokens or None,
            "units": usage.units or None,
            "unit": usage.unit,
            "events": len(ex.events) or None,
            # Set when a tracing plugin sampled this request: joins the line to its trace.
            "trace_id": trace.trace_id if trace is not None else None,
        }
        try:  # safe_dumps's fast path without its call; what it cannot carry goes there
            data = dumps(line, option=OPT_APPEND_NEWLINE)
        except (TypeError, ValueError):
            data = safe_dumps(line, OPT_APPEND_NEWLINE)
        self._write(data)  # the newline appended by orjson: no copy to add it
        if not self._flush_pending:
            try:
                asyncio.get_running_loop().call_later(self.FLUSH_AFTER, self.flush)
                self._flush_pending = True
            except RuntimeError:  # no loop (a script or a test): write through
                self.flush()

    def flush(self) -> None:
        self._flush_pending = False
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()


def _buffered(stream: IO[bytes]) -> IO[bytes]:
    """``stream``, or a buffer of the access log's own over its descriptor when it has none.

    Under ``PYTHONUNBUFFERED=1`` (the image sets it, as most Python images do, so that
    logging reaches ``docker logs`` at once) ``sys.stdout.buffer`` is the raw ``FileIO``:
    every line was then a write(2) of its own, and the 200 ms batches above never formed.
    The buffer sits on a ``FileIO`` of its own (``closefd=False``), so closing it when a
    reloaded runtime's log goes away leaves stdout and its descriptor open."""
    if not isinstance(stream, io.RawIOBase):
        return stream
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # a raw stream with no descriptor: buffer it as it is
        return io.BufferedWriter(stream, AccessLog.BUFFER)
    return io.BufferedWriter(io.FileIO(fd, "wb", closefd=False), AccessLog.BUFFER)


class Reporter:
    """Runs after every exchange; owned by a Runtime, shares the process-wide Metrics."""

    def __init__(
        self,
        metrics: Metrics,
        access_log: AccessLog | None,
        ledger: SpendLedger | None = None,
        *,
        models: frozenset[str] | None = None,
    ) -> None:
        self.metrics = metrics
        self.access_log = access_log
        self.ledger = ledger
        # Model names are chosen by clients on a pass-through provider: only the configured
        # ones become label values, the rest are one ``other`` series (issue 17, L9). None
        # (a harness without a config) keeps every name.
        self._models = models
        # Label lookups hash and lock; the few (route, status class) children are kept here.
        self._request_children: dict[tuple[str, int], tuple[CounterCell, HistogramCell]] = {}
        self._token_children: dict[tuple[str, str], tuple[Any, Any, Any]] = {}

    def _children(self, key: tuple[str, int]) -> tuple[CounterCell, HistogramCell]:
        """The cells of a (route, status) not seen before (kept by status, so the usual
        request finds them without dividing it into its class)."""
        route_name, status = key
        status_class = _STATUS_CLASS.get(status // 100, "other")
        children = self._request_children[key] = (
            self.metrics.requests.labels(route_name, status_class),
            self.metrics.request_seconds.labels(route_name),
        )
        return children

    def _usage_children(self, provider: str | None, model: str | None) -> tuple[Any, Any, Any]:
        if model is None:
            model = "unknown"
        elif self._models is not None and model not in self._models:
            model = "other"
        key = (provider or "unknown", model)
        children = self._token_children.get(key)
        if children is None:
            tokens = self.metrics.tokens
            children = (
                tokens.labels(*key, "input"),
                tokens.labels(*key, "output"),
                self.metrics.cost.labels(*key),
            )
            self._token_children[key] = children
        return children

    def completed(self, ex: Exchange) -> None:
        """Every step runs whatever another one did: a metric that raises must not cost the
        security events, the access line, or (in Pipeline.handle) the complete hooks.

        Each step in a ``try`` of its own, written out rather than a loop over bound methods,
        and the security events and token counts only when there are some: ~4 k
        instructions a request less (``python -m benchmarks.instructions``). Each clock is
        read once here, for the metrics, the journal and the access line alike (four
        readings were two calls too many)."""
        now = time.time()
        elapsed = time.perf_counter() - ex.started_at
        status = ex.status
        try:  # _count, written out: the request counter, the latency, the journal
            key = (ex.route_name or "none", status)
            children = self._request_children.get(key)
            if children is None:
                children = self._children(key)
            children[0].value += 1.0  # inc() without its call and its check of a constant 1
            children[1].observe(elapsed)
            self.metrics.journal.count_at(status, now)
        except Exception:
            _failed("_count", ex)
        if ex.events:
            try:
                self._security_events(ex)
            except Exception:
                _failed("_security_events", ex)
        if ex.usage.reported:
            try:
                self._count_usage(ex)
            except Exception:
                _failed("_count_usage", ex)
        if self.ledger is not None:
            try:
                self.ledger.record(ex)
            except Exception:
                _failed("record", ex)
        access_log = self.access_log
        if access_log is not None:
            # A full disk or a closed stdout must not fail requests, nor be logged per line.
            try:
                access_log.write_at(ex, now, elapsed)
            except (OSError, ValueError):
                pass
            except Exception:
                _failed("_write_access", ex)
        trace = ex.trace
        if trace is not None:  # _finish_trace, written out (a call fewer per traced request)
            try:
                trace.finish(ex)
            except Exception:  # a tracer's failure is logged, never the request's
                log.exception("trace finish failed", extra=_ids(ex))

    def _security_events(self, ex: Exchange) -> None:
        for event in ex.events:
            try:
                self._security_event(ex, event)
            except Exception:
                log.exception("security event %s not reported", event.type, extra=_ids(ex))

    def _count_usage(self, ex: Exchange) -> None:
        usage = ex.usage
        if usage.reported:
            tokens_in, tokens_out, cost = self._usage_children(usage.provider, usage.model)
            tokens_in.inc(usage.input_tokens)
            tokens_out.inc(usage.output_tokens)
            if usage.cost:
                cost.inc(usage.cost)

    def _security_event(self, ex: Exchange, event: Any) -> None:
        self.metrics.security_events.labels(
            event.type, event.plugin, "true" if event.monitored else "false"
        ).inc()
        security_log.warning(
            "security event",
            extra={
                "event": event.type,
                "plugin": event.plugin,
                "reason": event.reason,
                "monitored": event.monitored,
                "ip": ex.client_ip,
                "request_id": ex.request_id,
                "identity": ex.identity.subject if ex.identity else None,
                "route": ex.route_name,
                # Nested, so a plugin's detail key can never clash with a LogRecord field.
                "detail": event.detail or None,
            },
        )
        self.metrics.journal.event(
            event.type,
            event.plugin,
            event.reason,
            ip=ex.client_ip,
            route=ex.route_name,
            identity=ex.identity.subject if ex.identity else None,
            monitored=event.monitored,
            detail=dict(event.detail),
        )

    def flush(self) -> None:
        if self.access_log is not None:
            self.access_log.flush()

    async def drain(self, timeout: float) -> None:
        """Flush what is buffered. (Complete hooks run inside the request's own task, so a
        runtime's in-flight count already covers them.)"""
        self.flush()


def _ids(ex: Exchange) -> dict[str, Any]:
    return {"request_id": ex.request_id}


def _failed(step: str, ex: Exchange) -> None:
    log.exception("reporting step %s failed", step, extra=_ids(ex))
