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
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _line_before_session_12(ex: Any) -> bytes:
    """The access line as main wrote it before the reporter read each clock once (one
    dict literal with ``orjson.dumps(..., default=str)``): the reference the line must
    still equal byte for byte."""
    from proxy.observe.logging import safe_dumps, timestamp

    identity, usage, trace = ex.identity, ex.usage, ex.trace
    reported, cost, started, first_byte = (
        usage.reported,
        usage.cost,
        ex.started_at,
        ex.first_byte_at,
    )
    who = (
        (None, None, None, None)
        if identity is None
        else (identity.subject, identity.key_id, identity.team, identity.tier)
    )
    line = {
        "ts": timestamp(time.time()), "type": "access", "request_id": ex.request_id,
        "method": ex.method, "path": ex.path, "route": ex.route_name, "status": ex.status,
        "client_ip": ex.client_ip, "model": ex.model, "target": ex.target,
        "upstream_model": ex.upstream_model, "attempts": ex.attempts,
        "duration_ms": int((time.perf_counter() - started) * 1e6 + 0.5) / 1000,
        "ttfb_ms": int((first_byte - started) * 1e6 + 0.5) / 1000 if first_byte else None,
        "identity": who[0], "key_id": who[1], "team": who[2], "tier": who[3],
        "tokens": (usage.input_tokens + usage.output_tokens) or None,
        "input_tokens": usage.input_tokens if reported else None,
        "output_tokens": usage.output_tokens if reported else None,
        "cost_usd": (round(cost, 9) if cost else cost) if reported else None,
        "cache_read_tokens": usage.cache_read_tokens or None,
        "cache_write_tokens": usage.cache_write_tokens or None,
        "units": usage.units or None, "unit": usage.unit, "events": len(ex.events) or None,
        "trace_id": trace.trace_id if trace is not None else None,
    }  # fmt: skip
    try:
        return orjson.dumps(line, default=str, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, ValueError):
        return safe_dumps(line, orjson.OPT_APPEND_NEWLINE)


class _Trace:
    def __init__(self, trace_id: Any) -> None:
        self.trace_id = trace_id


_odd_text = st.one_of(
    st.none(),
    st.text(),  # any code point: non-ASCII, control characters, lone surrogates
    st.sampled_from(["", '"\\', "\x00\x1f\x7f", "\u2028\u2029", "\ud800", "é" * 5000]),
    st.integers(),  # values a plugin set to a type the field does not declare
    st.integers(min_value=2**64),
    st.floats(allow_nan=True),
    st.builds(object),
)
_count = st.one_of(st.integers(min_value=0, max_value=2**70), st.integers(-5, 5))


@settings(max_examples=400, deadline=None)
@given(
    texts=st.lists(_odd_text, min_size=15, max_size=15),
    numbers=st.lists(_count, min_size=5, max_size=5),
    cost=st.one_of(st.just(0.0), st.just(0), st.floats(0, 1e6), st.floats(allow_nan=True)),
    units=st.one_of(st.just(0.0), st.floats(allow_nan=True)),
    reported=st.booleans(),
    has_identity=st.booleans(),
    events=st.integers(0, 3),
    ttfb=st.one_of(st.none(), st.floats(1e-6, 100)),
    wall=st.floats(0, 4e9),
    elapsed=st.floats(0, 1e5),
)
def test_the_line_is_byte_for_byte_the_line_before_session_12(
    texts: list[Any],
    numbers: list[int],
    cost: float,
    units: float,
    reported: bool,
    has_identity: bool,
    events: int,
    ttfb: float | None,
    wall: float,
    elapsed: float,
) -> None:
    """Whatever the fields hold (text JSON must escape, text it cannot carry, numbers past
    64 bits, NaN, objects of no JSON type, None), the line written now is the line the
    previous layout wrote, at the same clock readings."""
    from proxy.records import SecurityEvent

    ex = make_exchange()
    ex.request_id, ex.method, ex.path, ex.route_name, ex.client_ip = texts[:5]
    ex.model, ex.target, ex.upstream_model, ex.usage.unit = texts[5:9]
    subject, key_id, team, tier, trace_id, status = texts[9:]
    ex.status = status if isinstance(status, int) else 200
    ex.attempts, ex.usage.input_tokens, ex.usage.output_tokens = numbers[:3]
    ex.usage.cache_read_tokens, ex.usage.cache_write_tokens = numbers[3:]
    ex.usage.reported, ex.usage.cost, ex.usage.units = reported, cost, units
    ex.identity = Identity(subject, key_id=key_id, team=team, tier=tier) if has_identity else None
    ex.events = [SecurityEvent("t", "p", "r")] * events
    ex.trace = _Trace(trace_id) if trace_id is not None else None  # type: ignore[assignment]
    ex.started_at = 1000.0
    ex.first_byte_at = None if ttfb is None else 1000.0 + ttfb
    stream = io.BytesIO()
    log = AccessLog(stream)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: wall)
        patch.setattr(time, "perf_counter", lambda: 1000.0 + elapsed)
        try:
            expected: bytes | type[Exception] = _line_before_session_12(ex)
        except Exception as error:  # what the old line could not write, the new must not
            expected = type(error)
        try:
            log.write(ex)
            log.flush()
        except Exception as error:
            assert expected is type(error)
        else:
            assert stream.getvalue() == expected
