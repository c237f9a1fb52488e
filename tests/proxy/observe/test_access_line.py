"""The access line, field by field: what it carries stays what operators index, and its
times are the milliseconds ``round(seconds * 1000, 3)`` would give (proxy/observe/report.py
forms them without ``round``)."""

from __future__ import annotations

import io
import random
import time
from typing import Any

import orjson
import pytest

from proxy.observe.report import AccessLog
from proxy.records import Identity
from proxy.testing import make_exchange

FIELDS = [
    "ts", "type", "request_id", "method", "path", "route", "status", "client_ip", "model",
    "target", "upstream_model", "attempts", "duration_ms", "ttfb_ms", "identity", "key_id",
    "team", "tier", "tokens", "input_tokens", "output_tokens", "cost_usd",
    "cache_read_tokens", "cache_write_tokens", "units", "unit", "events", "trace_id",
]  # fmt: skip


def line_of(ex: Any, now: float, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    stream = io.BytesIO()
    log = AccessLog(stream)
    monkeypatch.setattr(time, "perf_counter", lambda: now)
    log.write(ex)
    monkeypatch.undo()
    log.flush()
    data = stream.getvalue()
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    line: dict[str, Any] = orjson.loads(data)
    return line


def test_a_served_request_s_line_carries_every_field_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ex = make_exchange()
    ex.route_name, ex.status, ex.model, ex.target, ex.upstream_model = "chat", 200, "m", "p", "u"
    ex.attempts = 2
    ex.identity = Identity("alice", key_id="k1", tier="gold", team="search")
    ex.usage.reported, ex.usage.input_tokens, ex.usage.output_tokens = True, 7, 9
    ex.usage.cost = 0.0000123456789
    ex.started_at, ex.first_byte_at = 100.0, 100.0123456
    line = line_of(ex, 100.25, monkeypatch)
    assert list(line) == FIELDS
    assert line | {"ts": None} == {
        "ts": None, "type": "access", "request_id": "test-request", "method": "POST",
        "path": "/v1/chat/completions", "route": "chat", "status": 200,
        "client_ip": "127.0.0.1", "model": "m", "target": "p", "upstream_model": "u",
        "attempts": 2, "duration_ms": 250.0, "ttfb_ms": 12.346, "identity": "alice",
        "key_id": "k1", "team": "search", "tier": "gold", "tokens": 16, "input_tokens": 7,
        "output_tokens": 9, "cost_usd": 0.000012346, "cache_read_tokens": None,
        "cache_write_tokens": None, "units": None, "unit": None, "events": None,
        "trace_id": None,
    }  # fmt: skip


def test_an_unanswered_request_has_no_ttfb_and_no_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = make_exchange()
    ex.status, ex.started_at = 502, 5.0
    line = line_of(ex, 5.5, monkeypatch)
    assert (line["duration_ms"], line["ttfb_ms"]) == (500.0, None)
    assert (line["tokens"], line["cost_usd"], line["identity"]) == (None, None, None)


def test_a_zero_cost_is_written_as_round_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = make_exchange()
    ex.usage.reported = True
    for cost in (0.0, 0, 0.25, 1e-10, 123.0000000004):
        ex.usage.cost = cost
        raw = orjson.dumps(line_of(ex, ex.started_at, monkeypatch)["cost_usd"])
        assert raw == orjson.dumps(round(cost, 9))


def test_times_are_the_milliseconds_round_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Durations from clock readings as perf_counter returns them (a process up for up to a
    few days, requests from microseconds to minutes): every one written as round() does."""
    draw = random.Random(15)
    ex = make_exchange()
    for _ in range(3000):
        started = draw.uniform(0, 300_000)
        ttfb = draw.choice([1e-6, 1e-4, 1e-2, 1, 100]) * draw.random()
        elapsed = ttfb + draw.choice([1e-5, 1e-3, 0.1, 10, 300]) * draw.random()
        first_byte, now = started + ttfb, started + elapsed
        ex.started_at, ex.first_byte_at = started, first_byte
        line = line_of(ex, now, monkeypatch)
        assert line["duration_ms"] == round((now - started) * 1000, 3)
        assert line["ttfb_ms"] == round((first_byte - started) * 1000, 3)


def test_a_raw_stream_gets_a_buffer_and_stays_open(tmp_path: Any) -> None:
    """Under PYTHONUNBUFFERED=1 (the image's setting) stdout's byte stream is the raw FileIO:
    the log buffers lines itself and writes them per flush, not a write(2) per line, and
    dropping the log (a reloaded runtime's) leaves the stream open."""
    import asyncio
    import gc

    path = tmp_path / "access.log"
    with open(path, "wb", buffering=0) as raw:
        assert isinstance(raw, io.RawIOBase)

        async def three_lines() -> int:
            log = AccessLog(raw)
            for _ in range(3):
                log.write(make_exchange())
            before = path.stat().st_size
            log.flush()
            return before

        assert asyncio.run(three_lines()) == 0  # held in the buffer until the flush
        assert len(path.read_bytes().splitlines()) == 3
        gc.collect()
        assert not raw.closed
        raw.write(b"still open\n")
    assert path.read_bytes().endswith(b"still open\n")
