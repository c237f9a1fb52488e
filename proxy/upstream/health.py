"""Active health checks: probe each provider periodically, flip its targets' ``healthy``.

Passive signals (the breaker) only learn about a provider from real traffic; an active
check also finds a dead standby before a failover sends users to it, and a recovered
one before its breaker's open time runs out. Flapping is damped by thresholds: a target
turns unhealthy after ``unhealthy_threshold`` failed probes in a row, and healthy again
after ``healthy_threshold`` good ones.

The probe is injected (``async () -> bool``; raising counts as a failure), so this module
does no I/O of its own: the caller passes an httpx GET of the provider's health path,
tests pass a function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Probe = Callable[[], Awaitable[bool]]
ChangeListener = Callable[[str, bool], None]


class HasHealth(Protocol):
    """Anything with a writable ``healthy`` flag (a ``Target``)."""

    healthy: bool


@dataclass(slots=True)
class HealthCheck:
    """One provider's probe and the targets (in any number of groups) it speaks for."""

    name: str
    probe: Probe
    targets: Sequence[HasHealth]
    healthy: bool = True
    successes: int = 0
    failures: int = 0
    last_error: str | None = field(default=None)


class HealthChecker:
    """Runs every check every ``interval`` seconds, each bounded by ``timeout``."""

    def __init__(
        self,
        checks: Sequence[HealthCheck],
        *,
        interval: float = 10.0,
        timeout: float = 2.0,
        healthy_threshold: int = 2,
        unhealthy_threshold: int = 3,
        on_change: ChangeListener | None = None,
    ) -> None:
        if interval <= 0 or timeout <= 0:
            raise ValueError("interval and timeout must be positive")
        if healthy_threshold < 1 or unhealthy_threshold < 1:
            raise ValueError("thresholds must be at least 1")
        self.checks = list(checks)
        self.interval = interval
        self.timeout = timeout
        self.healthy_threshold = healthy_threshold
        self.unhealthy_threshold = unhealthy_threshold
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None

    async def check_once(self) -> None:
        """Probe every provider once, concurrently, and apply the outcomes."""
        results = await asyncio.gather(*(self._run(check) for check in self.checks))
        for check, (ok, error) in zip(self.checks, results, strict=True):
            self._apply(check, ok, error)

    async def _run(self, check: HealthCheck) -> tuple[bool, str | None]:
        try:
            async with asyncio.timeout(self.timeout):
                ok = await check.probe()
        except TimeoutError:
            return False, f"timed out after {self.timeout:g}s"
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return bool(ok), None if ok else "probe reported unhealthy"

    def _apply(self, check: HealthCheck, ok: bool, error: str | None) -> None:
        check.last_error = error
        if ok:
            check.successes += 1
            check.failures = 0
            flip = not check.healthy and check.successes >= self.healthy_threshold
        else:
            check.failures += 1
            check.successes = 0
            flip = check.healthy and check.failures >= self.unhealthy_threshold
        if not flip:
            return
        check.healthy = not check.healthy
        for target in check.targets:
            target.healthy = check.healthy
        if self._on_change is not None:
            self._on_change(check.name, check.healthy)

    async def _loop(self) -> None:
        while True:
            await self.check_once()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Run checks in the background until ``stop()``; a second call does nothing."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Cancel the background task and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # our caller is being cancelled too: do not swallow that

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {c.name: {"healthy": c.healthy, "last_error": c.last_error} for c in self.checks}
