"""The event loop's CPU per ended span handed to a batch processor: the SDK's
``BatchSpanProcessor`` against the tracing plugin's ``SpanBatcher`` (plugins/_tracing/batch.py).

A whole-request A/B (``benchmarks.ab``) swings more than this on a shared machine; this
measures the hand-off alone, with ``thread_time`` (the calling thread's CPU only, so the
worker's exports are not in it), rounds interleaved, best round kept. Both processors
export to a discarding exporter in batches of 512 behind a queue of 2,048.

    python -m benchmarks.span_handoff [-n 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanContext, TraceFlags

from plugins._tracing.batch import SpanBatcher
from plugins._tracing.exporters import DiscardExporter


def per_span(processor: SpanProcessor, count: int) -> float:
    """µs of this thread's CPU per ``on_end``; the queue is drained every 256 spans so
    neither processor drops (the worker would, on a machine this loop outruns)."""
    span = ReadableSpan(
        "s", SpanContext(1, 2, is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    )
    spent = 0.0
    for _ in range(count // 256):
        started = time.thread_time()
        for _ in range(256):
            processor.on_end(span)
        spent += time.thread_time() - started
        processor.force_flush()
    return spent / (count // 256 * 256) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sdk = BatchSpanProcessor(DiscardExporter(), max_queue_size=2048, max_export_batch_size=512)
    ours = SpanBatcher(DiscardExporter(), max_queue_size=2048, max_batch_size=512)
    best: dict[str, list[float]] = {"BatchSpanProcessor": [], "SpanBatcher": []}
    for _ in range(args.rounds):
        best["BatchSpanProcessor"].append(per_span(sdk, args.count))
        best["SpanBatcher"].append(per_span(ours, args.count))
    sdk.shutdown()
    ours.shutdown()
    print(f"loop-thread CPU µs per ended span, best of {args.rounds} x {args.count} (interleaved)")
    for name, runs in best.items():
        print(f"{name:>18}: best {min(runs):6.3f}   runs {' '.join(f'{r:.3f}' for r in runs)}")
    ratio = min(best["SpanBatcher"]) / min(best["BatchSpanProcessor"])
    print(f"SpanBatcher/BatchSpanProcessor: {ratio:.3f}")


if __name__ == "__main__":
    main()
