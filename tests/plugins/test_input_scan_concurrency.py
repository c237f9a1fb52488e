"""input_scan under concurrent requests (plugins/_scan/running.py): each gets exactly its own
findings and verdict, one request's scan error stays its own, and one runner serves
successive event loops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from plugins._scan.running import ScanRunner
from plugins.input_scan import InputScan
from proxy.testing import Harness
from scanners.text import ScanResult, TextScanner
from tests.plugins.test_input_scan import ATTACKS, chat


async def test_concurrent_requests_are_judged_apart() -> None:
    harness = Harness([(InputScan, {})])
    attacks = list(ATTACKS.values())
    bodies = [chat(attacks[i % len(attacks)] if i % 2 else f"ordinary question {i}")
              for i in range(12)]  # fmt: skip
    results = await asyncio.gather(*(harness.request("POST", json=b) for b in bodies))
    statuses = [r.status for r in results]
    # pii redacts by default; every other check blocks.
    assert statuses == [200 if i % 2 == 0 or attacks[i % len(attacks)] == ATTACKS["pii"] else 400
                        for i in range(12)]  # fmt: skip
    flagged = [sorted(e.detail["check"] for e in r.exchange.events if e.type == "input_flagged")
               for r in results]  # fmt: skip
    assert all(flagged[i] == [] for i in range(0, 12, 2))
    assert all(flagged[i] for i in range(1, 12, 2))
    pii = ATTACKS["pii"]
    assert all(pii not in r.body.decode() for r in harness.upstream.requests)


class Spy(TextScanner):
    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__(["secrets"])
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def scan(self, texts: Iterable[str]) -> ScanResult:
        texts = list(texts)
        self.calls.append(texts)
        if self.fail_on in texts:
            raise RuntimeError("scanner bug")
        return super().scan(texts)


async def test_a_scan_error_is_only_its_own_requests() -> None:
    scanner = Spy(fail_on="boom")
    runner = ScanRunner(scanner, 32 * 1024, None)
    done = await asyncio.gather(
        runner.scan(["fine"]), runner.scan(["boom"]), runner.scan(["also fine"]),
        return_exceptions=True,
    )  # fmt: skip
    assert isinstance(done[1], RuntimeError)
    assert [r.texts[0].original for r in (done[0], done[2])] == ["fine", "also fine"]  # type: ignore[union-attr]


def test_one_runner_serves_successive_event_loops() -> None:
    runner = ScanRunner(Spy(), 32 * 1024, None)
    for _ in range(2):
        result = asyncio.run(runner.scan(["ghp_8f2KxQ9mT4vR7wL1nZ3bY6cH0jD5sA2eU9pX"]))
        assert result.checks_hit == {"secrets"}


async def test_inline_is_the_scan_on_the_loop_and_declines_the_rest() -> None:
    """`inline` (no coroutine) answers exactly what `scan` answers for a text under the thread
    threshold with the memo off; over the threshold, or with the memo on, it declines."""
    from plugins._scan.memo import ScanMemo

    token = "ghp_8f2KxQ9mT4vR7wL1nZ3bY6cH0jD5sA2eU9pX"
    runner = ScanRunner(Spy(), 64, None)
    small = [f"key {token}", "plain"]
    now = runner.inline(small)
    assert now is not None and now == await runner.scan(small)
    assert now.checks_hit == {"secrets"}
    assert runner.inline(["x" * 65]) is None  # a thread's job
    assert ScanRunner(Spy(), 64, ScanMemo(1024)).inline(small) is None  # the memo's path
