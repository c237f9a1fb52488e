"""The tracing plugin's batch processor (plugins/_tracing/batch.py): the worker is woken once
per batch, every span ended before ``shutdown`` is exported exactly once (also while ends
race the worker's exports), a full queue drops and counts, a failing exporter stops nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanContext

from plugins._tracing.batch import SpanBatcher
from plugins._tracing.exporters import build_provider
from plugins.tracing import Tracing
from proxy.testing import Harness

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
LONG = 600.0  # a schedule delay no test waits out: only a full batch or shutdown exports


class Recording(SpanExporter):
    """Keeps every batch it is given; can fail its first export."""

    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[list[ReadableSpan]] = []
        self.exported = threading.Event()
        self.shut = False
        self._fail = fail_first

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.batches.append(list(spans))
        self.exported.set()
        if self._fail:
            self._fail = False
            raise RuntimeError("collector down")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.shut = True

    def span_ids(self) -> list[int]:
        return [span.context.span_id for batch in self.batches for span in batch if span.context]


def span(number: int) -> ReadableSpan:
    return ReadableSpan(f"s{number}", SpanContext(1, number + 1, is_remote=False))


def test_the_worker_exports_only_a_full_batch_then_the_rest_at_shutdown() -> None:
    exporter = Recording()
    batcher = SpanBatcher(exporter, max_queue_size=64, max_batch_size=8, schedule_delay=LONG)
    for n in range(7):
        batcher.on_end(span(n))
    assert not exporter.exported.wait(0.05)  # seven queued: nobody woke the worker
    batcher.on_end(span(7))
    assert exporter.exported.wait(10)  # the eighth completes a batch: one wake
    assert [len(b) for b in exporter.batches] == [8]
    for n in range(8, 11):
        batcher.on_end(span(n))
    batcher.shutdown()
    assert exporter.span_ids() == [n + 1 for n in range(11)]  # in order, none lost
    assert exporter.shut
    batcher.on_end(span(11))  # after shutdown: dropped, counted, never exported
    assert batcher.dropped == 1 and len(exporter.span_ids()) == 11
    assert not batcher.force_flush()


def test_no_span_is_lost_or_doubled_while_ends_race_the_worker() -> None:
    exporter = Recording()
    batcher = SpanBatcher(exporter, max_queue_size=100_000, max_batch_size=16, schedule_delay=LONG)

    def end_many(first: int) -> None:
        for n in range(first, first + 2000):
            batcher.on_end(span(n))

    threads = [threading.Thread(target=end_many, args=(k * 2000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batcher.shutdown()
    assert sorted(exporter.span_ids()) == [n + 1 for n in range(8000)]
    assert all(len(batch) <= 16 for batch in exporter.batches)
    assert batcher.dropped == 0


def test_a_full_queue_drops_and_counts_and_a_failing_export_stops_nothing() -> None:
    exporter = Recording(fail_first=True)
    batcher = SpanBatcher(exporter, max_queue_size=4, max_batch_size=4, schedule_delay=LONG)
    exporter.exported.clear()
    # Hold the worker out of the queue so it stays full while we add to it.
    with batcher._export_lock:
        for n in range(6):
            batcher.on_end(span(n))
        assert batcher.dropped == 2
    assert exporter.exported.wait(10)  # the worker's first export raised
    batcher.on_end(span(10))
    batcher.shutdown()  # the worker lived on; shutdown exports what came after
    assert sorted(exporter.span_ids()) == [1, 2, 3, 4, 11]


def test_force_flush_exports_what_is_queued() -> None:
    exporter = Recording()
    batcher = SpanBatcher(exporter, max_batch_size=512, schedule_delay=LONG)
    batcher.on_end(span(0))
    assert batcher.force_flush()
    assert exporter.span_ids() == [1]
    batcher.shutdown()


def test_the_batch_size_must_fit_the_queue() -> None:
    with pytest.raises(ValueError, match="max_batch_size"):
        SpanBatcher(Recording(), max_queue_size=4, max_batch_size=8)


def test_sizes_and_delay_come_from_the_sdk_s_environment_variables() -> None:
    environ = {"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "300",
               "OTEL_BSP_SCHEDULE_DELAY": "250"}  # fmt: skip
    batcher = SpanBatcher.from_environment(Recording(), environ)
    assert (batcher.max_queue_size, batcher.max_batch_size) == (100, 100)  # batch fits the queue
    assert batcher.schedule_delay == 0.25
    batcher.shutdown()
    for bad in ("ten", "0"):
        with pytest.raises(ValueError, match="OTEL_BSP_SCHEDULE_DELAY"):
            SpanBatcher.from_environment(Recording(), {"OTEL_BSP_SCHEDULE_DELAY": bad})


async def test_concurrent_traced_requests_all_reach_the_exporter_at_shutdown() -> None:
    h = Harness([(Tracing, {"exporter": "discard"})])
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Tracing)
    exporter = Recording()
    plugin.provider.add_span_processor(
        SpanBatcher(exporter, max_batch_size=16, schedule_delay=LONG)
    )
    statuses = await asyncio.gather(*(h.request("POST", json=CHAT) for _ in range(50)))
    assert {r.status for r in statuses} == {200}
    await plugin.close()  # the provider's shutdown: every processor flushes
    spans = [s for batch in exporter.batches for s in batch]
    assert sorted(s.name for s in spans) == ["POST route0"] * 50 + ["attempt fake"] * 50
    servers = {s.context.span_id: s for s in spans if s.name == "POST route0" and s.context}
    for attempt in (s for s in spans if s.name == "attempt fake"):
        assert attempt.parent is not None and attempt.parent.span_id in servers


def test_the_discard_and_console_exporters_sit_behind_the_batcher() -> None:
    provider, _ = build_provider("t", 1.0, "discard", None, {})
    processors = provider._active_span_processor._span_processors
    assert [type(p) for p in processors] == [SpanBatcher]
    provider.shutdown()


def test_shutdown_gives_up_on_an_export_that_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    class Hanging(Recording):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            self.exported.set()
            release.wait(10)
            return super().export(spans)

    exporter = Hanging()
    monkeypatch.setattr("plugins._tracing.batch.SHUTDOWN_WAIT", 0.05)
    batcher = SpanBatcher(exporter, max_queue_size=8, max_batch_size=1, schedule_delay=LONG)
    batcher.on_end(span(0))
    assert exporter.exported.wait(10)  # the worker is inside the hanging export
    batcher.on_end(span(1))
    batcher.shutdown()  # returns although the export hangs
    assert exporter.shut
    release.set()
