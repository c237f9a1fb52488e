"""The spend ledger on a real SQLite file: batched sums are exact, a failed write keeps its
batch for the next one, team metrics stay within the allowlist, access lines carry the key."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import orjson
import pytest

from proxy.exchange import Exchange, Identity
from proxy.keys.db import make_engine, upgrade
from proxy.keys.ledger import SpendLedger
from proxy.keys.store import KeyStore
from proxy.observe.metrics import Metrics
from proxy.observe.report import AccessLog
from proxy.testing import make_exchange

DAY = 1_796_083_200.0  # 2026-12-01T00:00:00Z


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    upgrade(engine)
    return KeyStore(engine)


def billed(key: str, team: str | None, tokens_in: int, tokens_out: int, cost: float) -> Exchange:
    ex = make_exchange("POST", "/v1/chat/completions")
    ex.identity = Identity(key, key, None, {}, "api_key", None, team)
    ex.attempts = 1
    ex.status = 200
    ex.usage.reported = True
    ex.usage.input_tokens, ex.usage.output_tokens, ex.usage.cost = tokens_in, tokens_out, cost
    ex.usage.model, ex.usage.provider = "chat-fast", "mock"
    return ex


async def test_sums_are_exact_over_many_batches_and_two_ledgers(store: KeyStore) -> None:
    ledgers = [SpendLedger(store, clock=lambda: DAY) for _ in range(2)]
    for n in range(1000):
        ledgers[n % 2].record(billed("k1", "search", 3, 5, 0.1))
        if n % 97 == 0:
            await asyncio.gather(*(ledger.flush() for ledger in ledgers))
    await asyncio.gather(*(ledger.flush() for ledger in ledgers))
    [row] = store.spend(["team"], "month", {}, None, None)
    assert (row["period"], row["team"], row["requests"]) == ("2026-12", "search", 1000)
    assert (row["input_tokens"], row["output_tokens"]) == (3000, 5000)
    assert row["cost_usd"] == 100.0  # 1000 x 0.1, exact: summed as integer nano-USD


def test_interleaved_keys_and_a_new_day_each_keep_their_own_row(store: KeyStore) -> None:
    """The ledger reuses the previous request's key when nothing in it changed: a key, a team
    or a day that changes, and changes back, must still land on its own row."""
    now = [DAY]
    ledger = SpendLedger(store, clock=lambda: now[0])
    for key in ["k1", "k1", "k2", "k1", "k2"]:
        ledger.record(billed(key, "search", 1, 1, 0.0))
    now[0] = DAY + 86400
    ledger.record(billed("k1", "search", 1, 1, 0.0))
    counts = {(k.day, k.key_id): totals[0] for k, totals in ledger.pending.items()}
    assert counts == {("2026-12-01", "k1"): 3, ("2026-12-01", "k2"): 2, ("2026-12-02", "k1"): 1}


async def test_a_failed_write_keeps_the_batch(store: KeyStore, tmp_path: Path) -> None:
    ledger = SpendLedger(store, clock=lambda: DAY)
    ledger.record(billed("k1", None, 1, 1, 0.5))
    broken = KeyStore(make_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}"))
    ledger.store = broken
    assert not await ledger.flush()
    ledger.record(billed("k1", None, 1, 1, 0.5))
    ledger.store = store
    assert await ledger.flush()
    [row] = store.spend(["key"], "day", {"key": "k1"}, None, None)
    assert (row["period"], row["requests"], row["cost_usd"]) == ("2026-12-01", 2, 1.0)


def test_requests_refused_before_a_provider_are_not_billed(store: KeyStore) -> None:
    ledger = SpendLedger(store, clock=lambda: DAY)
    ex = billed("k1", "t", 0, 0, 0.0)
    ex.usage.reported = False
    ex.attempts = 0
    ledger.record(ex)
    assert ledger.pending == {}


def test_team_metrics_only_for_allowlisted_teams(store: KeyStore) -> None:
    metrics = Metrics()
    ledger = SpendLedger(store, metrics, frozenset({"search"}), clock=lambda: DAY)
    for team in ("search", "ads", "ml"):
        ledger.record(billed("k", team, 10, 20, 0.25))
    text = metrics.render().decode()
    assert 'sluicegate_team_cost_usd_total{team="search"} 0.25' in text
    assert 'sluicegate_team_cost_usd_total{team="other"} 0.5' in text
    assert 'team="ads"' not in text


def test_access_lines_carry_key_team_tier_tokens_and_cost() -> None:
    stream = io.BytesIO()
    ex = billed("key_a", "search", 7, 9, 0.0125)
    ex.identity.tier = "gold"  # type: ignore[union-attr]
    AccessLog(stream).write(ex)
    line = orjson.loads(stream.getvalue())
    assert (line["key_id"], line["team"], line["tier"]) == ("key_a", "search", "gold")
    assert (line["input_tokens"], line["output_tokens"], line["cost_usd"]) == (7, 9, 0.0125)
