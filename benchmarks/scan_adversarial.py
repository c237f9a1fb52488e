"""Time each text check on 25/50/100/200 KB of adversarial near-matches, and on a 4 KB chat.

Linear scanning shows as a growth ratio near 2.0 per doubling; catastrophic backtracking would
show as 4x (quadratic) or worse. Run from the repository root:

    python benchmarks/scan_adversarial.py

Timings are the median of several runs of `TextScanner.scan` (normalise + one check), CPU-bound
on one core; they are evidence for docs/input-scanning.md, never asserted by tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from scanners.text import TextScanner
from scanners.text.scanner import CHECKS
from tests.corpus.adversarial import NORMALIZER_NEAR_MISSES, adversarial

SIZES_KB = (25, 50, 100, 200)
REPEATS = 5


def _median_ms(scanner: TextScanner, text: str, repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        scanner.scan([text])
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def adversarial_table() -> str:
    head = " | ".join(f"{kb} KB ms" for kb in SIZES_KB)
    lines = [f"| check | {head} | growth per doubling |", "|---|" + "---:|" * (len(SIZES_KB) + 1)]
    for check in sorted(CHECKS):
        scanner = TextScanner([check], max_scan_bytes=1 << 22)
        times = [_median_ms(scanner, adversarial(check, kb * 1024)) for kb in SIZES_KB]
        ratios = [b / a for a, b in itertools.pairwise(times)]
        cells = " | ".join(f"{t:.1f}" for t in times)
        lines.append(f"| {check} | {cells} | {' / '.join(f'{r:.2f}x' for r in ratios)} |")
    everything = TextScanner(sorted(CHECKS), max_scan_bytes=1 << 22)
    for name in sorted(NORMALIZER_NEAR_MISSES):  # aimed at the normaliser: all checks on
        times = [_median_ms(everything, adversarial(name, kb * 1024)) for kb in SIZES_KB]
        ratios = [b / a for a, b in itertools.pairwise(times)]
        cells = " | ".join(f"{t:.1f}" for t in times)
        lines.append(
            f"| {name} (all checks) | {cells} | {' / '.join(f'{r:.2f}x' for r in ratios)} |"
        )
    return "\n".join(lines)


def chat_4kb() -> str:
    """All six checks on a realistic 4 KB chat turn (no findings), p50 over many runs."""
    paragraph = (
        "Hi! I'm planning a trip to Lisbon in May with two kids. Could you suggest a three day "
        "itinerary with museums, a tram ride and somewhere good for pastel de nata? We land at "
        "10:30 and leave on Sunday evening; our budget is about 900 EUR in total. "
    )
    text = (paragraph * (4096 // len(paragraph) + 1))[:4096]
    scanner = TextScanner(sorted(CHECKS))
    for _ in range(50):
        scanner.scan([text])
    samples = []
    for _ in range(500):
        t0 = time.perf_counter()
        scanner.scan([text])
        samples.append((time.perf_counter() - t0) * 1e6)
    samples.sort()
    return (
        f"4 KB chat message, all six checks: p50 {samples[len(samples) // 2]:.0f} µs, "
        f"p99 {samples[int(len(samples) * 0.99)]:.0f} µs"
    )


if __name__ == "__main__":
    print(adversarial_table())
    print()
    print(chat_4kb())
