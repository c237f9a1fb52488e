"""HealthChecker: thresholds, probe failures of every kind, and the background task."""

from __future__ import annotations

import asyncio

import pytest

from proxy.upstream.health import HealthCheck, HealthChecker
from proxy.upstream.target import Target


class ScriptedProbe:
    """Answers from a script: True, False, an exception to raise, or "hang"."""

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.calls = 0
        self.called = asyncio.Event()

    async def __call__(self) -> bool:
        self.calls += 1
        self.called.set()
        step = self.script.pop(0) if self.script else True
        if step == "hang":
            await asyncio.Event().wait()
        if isinstance(step, BaseException):
            raise step
        return bool(step)


def checker(probe: ScriptedProbe, *targets: Target, **kwargs: object) -> HealthChecker:
    options: dict[str, object] = {"healthy_threshold": 2, "unhealthy_threshold": 3}
    options.update(kwargs)
    return HealthChecker([HealthCheck("groq", probe, targets)], **options)  # type: ignore[arg-type]


async def test_unhealthy_only_after_n_consecutive_failures() -> None:
    target = Target("groq")
    hc = checker(ScriptedProbe(False, False, True, False, False, False), target)
    for expected in (True, True, True, True, True, False):
        await hc.check_once()
        assert target.healthy is expected
    assert not target.available()


async def test_healthy_again_after_n_consecutive_successes() -> None:
    target = Target("groq")
    changes: list[tuple[str, bool]] = []
    hc = checker(
        ScriptedProbe(False, False, False, True, False, True, True),
        target,
        on_change=lambda name, ok: changes.append((name, ok)),
    )
    states = []
    for _ in range(7):
        await hc.check_once()
        states.append(target.healthy)
    assert states == [True, True, False, False, False, False, True]
    assert changes == [("groq", False), ("groq", True)]


async def test_exceptions_and_hangs_count_as_failures() -> None:
    target = Target("groq")
    probe = ScriptedProbe(ConnectionRefusedError("refused"), "hang", OSError("reset"))
    hc = checker(probe, target, timeout=0.01, unhealthy_threshold=3)
    await hc.check_once()
    assert hc.checks[0].last_error == "ConnectionRefusedError: refused"
    await hc.check_once()
    assert hc.checks[0].last_error == "timed out after 0.01s"
    assert target.healthy
    await hc.check_once()
    assert not target.healthy
    assert hc.snapshot() == {"groq": {"healthy": False, "last_error": "OSError: reset"}}


async def test_one_probe_speaks_for_the_provider_in_every_group() -> None:
    in_chat, in_batch = Target("groq"), Target("groq")
    other = Target("openrouter")
    hc = HealthChecker(
        [
            HealthCheck("groq", ScriptedProbe(False), [in_chat, in_batch]),
            HealthCheck("openrouter", ScriptedProbe(True), [other]),
        ],
        unhealthy_threshold=1,
    )
    await hc.check_once()
    assert (in_chat.healthy, in_batch.healthy, other.healthy) == (False, False, True)


async def test_probes_run_concurrently() -> None:
    gate = asyncio.Event()
    started: list[str] = []

    def probe(name: str):  # each waits for the other to have started
        async def run() -> bool:
            started.append(name)
            if len(started) == 2:
                gate.set()
            await gate.wait()
            return True

        return run

    hc = HealthChecker(
        [HealthCheck("a", probe("a"), []), HealthCheck("b", probe("b"), [])], timeout=5.0
    )
    await hc.check_once()  # would time out (and fail) if probes ran one after the other
    assert all(c.last_error is None for c in hc.checks)


async def test_start_runs_in_background_and_stop_ends_it() -> None:
    probe = ScriptedProbe(True)
    hc = checker(probe, Target("groq"), interval=3600.0)
    hc.start()
    hc.start()  # idempotent: still one task
    assert hc.running
    await probe.called.wait()
    await hc.stop()
    assert not hc.running
    assert probe.calls == 1
    await hc.stop()  # stopping twice is harmless


async def test_stop_does_not_swallow_the_callers_own_cancellation() -> None:
    hc = checker(ScriptedProbe(), Target("groq"), interval=3600.0)
    hc.start()

    async def stopper() -> None:
        await hc.stop()

    task = asyncio.create_task(stopper())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    "kwargs",
    [{"interval": 0.0}, {"timeout": 0.0}, {"healthy_threshold": 0}, {"unhealthy_threshold": 0}],
)
def test_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        HealthChecker([], **kwargs)  # type: ignore[arg-type]
