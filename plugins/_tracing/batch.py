"""SpanBatcher: the batch span processor, with a hand-off that costs the loop a deque append.

Why: the SDK's ``BatchSpanProcessor`` already wakes its worker only once per 512 spans (not
per span), but its ``on_end`` costs the event loop ~0.58 µs per span (the sampled check, the
shutdown check, an ``os.getpid()`` system call for its fork guard, the queue-full check, its
self-metrics hooks) against ~0.09 µs for the append this keeps (``python -m
benchmarks.span_handoff``: loop-thread CPU only, interleaved). The gateway starts its
workers with ``spawn`` (proxy/server.py), so a processor never crosses a fork and the guard
buys nothing here.

What it keeps from the SDK's processor: a bounded queue (2,048 spans; a span that finds it
full is dropped and counted in ``dropped``), export in batches of at most 512, the worker
woken once when a batch is ready and otherwise every ``schedule_delay`` (5 s) to export
whatever waits, ``force_flush`` exporting everything queued, and ``shutdown`` exporting
everything queued before it shuts the exporter down — no span ended before ``shutdown``
is lost, unless an export hangs past 30 s (then shutdown gives up and logs how many).
Export runs on the worker thread, never on the event loop. The sizes and the delay
come from the SDK's ``OTEL_BSP_MAX_QUEUE_SIZE``, ``OTEL_BSP_MAX_EXPORT_BATCH_SIZE`` and
``OTEL_BSP_SCHEDULE_DELAY`` (milliseconds) when they are set, as they did for the SDK's.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Mapping

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter

_logger = logging.getLogger(__name__)
SHUTDOWN_WAIT = 30.0  # seconds shutdown waits for the worker's last export (the SDK's 30 s)


class SpanBatcher(SpanProcessor):
    """Queues ended spans; a worker thread exports them in batches."""

    def __init__(
        self,
        exporter: SpanExporter,
        max_queue_size: int = 2048,
        max_batch_size: int = 512,
        schedule_delay: float = 5.0,
    ) -> None:
        if not 0 < max_batch_size <= max_queue_size:
            raise ValueError("max_batch_size must be > 0 and <= max_queue_size")
        self.exporter = exporter
        self.max_queue_size = max_queue_size
        self.max_batch_size = max_batch_size
        self.schedule_delay = schedule_delay
        self.dropped = 0
        self._queue: deque[ReadableSpan] = deque()
        self._wake = threading.Event()
        self._export_lock = threading.Lock()
        self._shutdown = False
        self._worker = threading.Thread(
            target=self._run, name="sluicegate-span-batcher", daemon=True
        )
        self._worker.start()

    @classmethod
    def from_environment(
        cls, exporter: SpanExporter, environ: Mapping[str, str] = os.environ
    ) -> SpanBatcher:
        """Sizes and delay from the SDK's ``OTEL_BSP_*`` variables; a bad value is an error
        naming the variable, at load."""

        def number(name: str, default: int) -> int:
            raw = environ.get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r}: expected a whole number") from None
            if value <= 0:
                raise ValueError(f"{name}={raw!r}: expected a number above 0")
            return value

        queue = number("OTEL_BSP_MAX_QUEUE_SIZE", 2048)
        batch = number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)
        delay_ms = number("OTEL_BSP_SCHEDULE_DELAY", 5000)
        return cls(exporter, queue, min(batch, queue), delay_ms / 1000)

    def on_end(self, span: ReadableSpan) -> None:
        queue = self._queue
        if self._shutdown or len(queue) >= self.max_queue_size:
            self.dropped += 1
            return
        queue.append(span)
        if len(queue) >= self.max_batch_size and not self._wake.is_set():
            self._wake.set()  # once per batch: the worker is woken, not per span

    def _run(self) -> None:
        while not self._shutdown:
            self._wake.wait(self.schedule_delay)
            self._wake.clear()
            self._export_all()
        self._export_all()

    def _export_all(self) -> None:
        queue = self._queue
        with self._export_lock:
            while queue:
                count = min(len(queue), self.max_batch_size)
                batch = [queue.popleft() for _ in range(count)]
                try:
                    self.exporter.export(batch)
                except Exception:  # an exporter's failure must not stop the worker
                    _logger.exception("exporting %d spans failed", count)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        if self._shutdown:
            return False
        self._export_all()
        return True

    def shutdown(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        self._wake.set()
        self._worker.join(SHUTDOWN_WAIT)
        if self._worker.is_alive():  # an export hangs (a collector not answering): give up
            _logger.warning("span export still running at shutdown; %d spans not exported",
                            len(self._queue))  # fmt: skip
        else:
            self._export_all()  # whatever a racing on_end appended before the flag was seen
        self.exporter.shutdown()
