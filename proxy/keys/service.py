"""The keys service one gateway process runs: the store, the directory, the ledger, and the
two background loops that keep them current.

Fleet-wide invalidation is a poll of one integer: every change bumps ``revision`` in the
same transaction, and each instance reads it every ``poll_interval`` (250 ms by default;
one single-row read in a worker thread: measured ~0.2 ms on SQLite and ~1.2 ms on
PostgreSQL over loopback on the shared 2-core machine, so under 0.5% of a core). When it
moved, the instance reloads the keys whole and swaps its directory (1,000 keys: ~23 ms on
SQLite, ~50 ms on PostgreSQL, off the event loop; only after a change). So a key created,
changed or revoked anywhere takes effect everywhere within about a quarter of a second,
with no message bus to run and nothing lost when an instance was down (it reads the
counter when it comes back). The instance that made a change refreshes at once.

The service outlives config reloads while ``[keys]`` is unchanged, like the state store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from proxy.config.models import KeysConfig
from proxy.keys.db import make_engine, redact, resolve_url, upgrade
from proxy.keys.directory import KeyDirectory
from proxy.keys.ledger import SpendLedger
from proxy.keys.store import KeyStore
from proxy.observe.metrics import Metrics

log = logging.getLogger("sluicegate.keys")


class KeysService:
    def __init__(
        self, config: KeysConfig, config_dir: Path, metrics: Metrics | None = None
    ) -> None:
        self.config = config
        self.url = resolve_url(config.url, config_dir)
        self.engine = make_engine(self.url)
        self.store = KeyStore(self.engine)
        self.directory = KeyDirectory()
        self.ledger = SpendLedger(self.store, metrics, frozenset(config.team_metrics))
        self.opened = False
        self._tasks: list[asyncio.Task[None]] = []
        self._open_lock = asyncio.Lock()
        self._poll_failures = 0

    @property
    def backend(self) -> str:
        return "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "url": redact(self.url),
            "keys": len(self.directory),
            "revision": self.directory.revision,
        }

    async def open(self) -> None:
        """Migrate, load the keys, start polling and flushing (once; later calls return)."""
        async with self._open_lock:
            if self.opened:
                return
            started = time.perf_counter()
            await asyncio.to_thread(upgrade, self.engine)
            await self.refresh()
            self.opened = True
            self._tasks = [
                asyncio.create_task(self._every(self.config.poll_interval, self._poll)),
                asyncio.create_task(self._every(self.config.flush_interval, self.ledger.flush)),
            ]
            log.info(
                "keys store open",
                extra={
                    "store": redact(self.url),
                    "keys": len(self.directory),
                    "open_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    async def refresh(self) -> None:
        """Reload the directory if the store's revision moved since the last load."""
        revision = await asyncio.to_thread(self.store.revision)
        if revision != self.directory.revision:
            rows = await asyncio.to_thread(self.store.snapshot)
            self.directory.load(rows, revision)

    async def _poll(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:
            self._poll_failures += 1
            if self._poll_failures in (1, 10) or self._poll_failures % 100 == 0:
                log.warning(
                    "keys store unreachable (%d polls): %s; serving the keys last read",
                    self._poll_failures,
                    exc,
                )
            return
        self._poll_failures = 0

    @staticmethod
    async def _every(interval: float, work: Any) -> None:
        while True:
            await asyncio.sleep(interval)
            await work()

    async def close(self) -> None:
        """Stop the loops and write the ledger's last batch (tried a few times)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self.ledger.pending and not self.opened:
            try:  # never opened (the store was down at start): try once more now
                await asyncio.to_thread(upgrade, self.engine)
            except Exception as exc:
                log.error(
                    "spend ledger: %d rows lost, the keys store cannot be opened: %s",
                    len(self.ledger.pending),
                    exc,
                )
                self.ledger.pending.clear()
        if self.ledger.pending:
            for attempt in range(5):
                if await self.ledger.flush():
                    break
                await asyncio.sleep(0.2 * (attempt + 1))
            else:
                log.error(
                    "spend ledger: %d rows could not be written at shutdown",
                    len(self.ledger.pending),
                )
        self.opened = False
        await asyncio.to_thread(self.engine.dispose)
