"""The spend ledger: every finished request's tokens and cost, summed in memory, written in
batches.

``record`` runs in the complete phase of every request and only adds to a dict keyed by
(day, key, team, model, provider): no I/O, a few hundred nanoseconds. ``flush`` swaps the
dict for an empty one and writes the batch in one transaction of additive upserts
(``KeyStore.add_spend``), so the totals are exact however many instances flush at once. A
failed write puts its batch back, to be tried with the next one; the service flushes a last
time when it closes (SIGTERM drains requests, then closes), so nothing counted is lost.
Cost is summed as integer nano-USD: exact, where float sums drift with the order of adds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from proxy.exchange import Exchange
from proxy.keys.spend import NANO, SpendKey
from proxy.keys.store import KeyStore
from proxy.observe.metrics import Metrics

log = logging.getLogger("sluicegate.keys")

Totals = dict[SpendKey, list[int]]


class SpendLedger:
    def __init__(
        self,
        store: KeyStore,
        metrics: Metrics | None = None,
        team_metrics: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.clock = clock
        self.pending: Totals = {}
        self._day_index = -1
        self._day = ""
        self._lock = asyncio.Lock()
        self._metrics = metrics if team_metrics else None
        self._team_metrics = team_metrics
        self._team_children: dict[str, tuple[Any, Any, Any]] = {}
        self._last_parts: tuple[str, ...] = ()
        self._last_key = SpendKey("", "", "", "", "")

    def record(self, ex: Exchange) -> None:
        usage = ex.usage
        identity = ex.identity
        if not usage.reported and (identity is None or ex.attempts == 0):
            return  # nothing to bill, or refused before it reached a provider
        now = self.clock()
        index = int(now // 86400)
        if index != self._day_index:
            self._day_index = index
            self._day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        team = (identity.team or "") if identity is not None else ""
        parts = (
            self._day,
            (identity.key_id or "") if identity is not None else "",
            team,
            usage.model or ex.model or "",
            usage.provider or "",
        )
        # Consecutive requests mostly share a key: reuse the last one (a frozen dataclass
        # costs ~1 µs to build, comparing five strings a tenth of that).
        if parts == self._last_parts:
            key = self._last_key
        else:
            key = self._last_key = SpendKey(*parts)
            self._last_parts = parts
        cost = round(usage.cost * NANO)
        totals = self.pending.get(key)
        if totals is None:
            self.pending[key] = [1, usage.input_tokens, usage.output_tokens, cost]
        else:
            totals[0] += 1
            totals[1] += usage.input_tokens
            totals[2] += usage.output_tokens
            totals[3] += cost
        if self._metrics is not None and team and usage.reported:
            self._count_team(team, usage.input_tokens, usage.output_tokens, usage.cost)

    def _count_team(self, team: str, tokens_in: int, tokens_out: int, cost: float) -> None:
        label = team if team in self._team_metrics else "other"
        children = self._team_children.get(label)
        if children is None:
            assert self._metrics is not None
            tokens = self._metrics.team_tokens
            children = (
                tokens.labels(label, "input"),
                tokens.labels(label, "output"),
                self._metrics.team_cost.labels(label),
            )
            self._team_children[label] = children
        children[0].inc(tokens_in)
        children[1].inc(tokens_out)
        if cost:
            children[2].inc(cost)

    async def flush(self) -> bool:
        """Write what is pending; False (and the batch kept) when the store failed."""
        async with self._lock:
            batch, self.pending = self.pending, {}
            if not batch:
                return True
            try:
                await asyncio.to_thread(self.store.add_spend, batch)
            except Exception:
                log.exception(
                    "spend ledger: %d rows not written; kept for the next try", len(batch)
                )
                for key, values in batch.items():
                    totals = self.pending.setdefault(key, [0, 0, 0, 0])
                    for i, value in enumerate(values):
                        totals[i] += value
                return False
            return True
