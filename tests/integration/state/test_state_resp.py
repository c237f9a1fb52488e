"""The lean RESP client behind the redis backend, against a real redis-server: replies reach
the right caller under pipelining and cancellation, uvloop works, errors and reconnects."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import uvloop

from proxy.config.types import Rate
from proxy.state import StateUnavailable
from proxy.state.client import SingleNode
from proxy.state.packing import Script
from proxy.state.redis import RedisStore
from proxy.state.resp import ReplyError, RespClient
from proxy.state.urls import parse_state_url
from tests.fixtures.ports import free_port
from tests.fixtures.redis import start_redis


def client(url: str, timeout: float = 1.0) -> RespClient:
    return RespClient(parse_state_url(url, timeout).node)


async def test_concurrent_callers_each_get_their_own_reply(redis_url: str) -> None:
    resp = client(redis_url)
    try:
        replies = await asyncio.gather(*(resp.execute("ECHO", f"m{i}") for i in range(500)))
        assert replies == [f"m{i}".encode() for i in range(500)]
        counts = await asyncio.gather(*(resp.execute("INCR", "n") for _ in range(300)))
        assert sorted(counts) == list(range(1, 301))
    finally:
        await resp.close()


async def test_a_cancelled_caller_does_not_shift_the_replies(redis_url: str) -> None:
    resp = client(redis_url)
    try:
        await resp.execute("SET", "a", "first")
        waiting = asyncio.create_task(resp.execute("GET", "a"))
        await asyncio.sleep(0)  # the command is on the wire, its reply not read yet
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert await resp.execute("ECHO", "second") == b"second"
        assert await resp.execute("GET", "a") == b"first"
    finally:
        await resp.close()


async def test_error_replies_raise_and_the_connection_stays_usable(redis_url: str) -> None:
    resp = client(redis_url)
    try:
        await resp.execute("SET", "s", "text")
        with pytest.raises(StateUnavailable, match="WRONGTYPE"):
            await resp.execute("LPUSH", "s", "x")
        with pytest.raises(ReplyError, match="NOSCRIPT"):
            await resp.execute("EVALSHA", "0" * 40, 0)
        script = Script("return ARGV[1]")
        assert await resp.evalsha(script, script.command([], ["loaded once"])) == b"loaded once"
        assert await resp.execute("ECHO", "ok") == b"ok"
    finally:
        await resp.close()


async def test_a_killed_connection_fails_its_callers_then_reconnects(redis_url: str) -> None:
    resp = client(redis_url)
    admin = client(redis_url)
    try:
        await resp.execute("CLIENT", "SETNAME", "victim")
        await admin.execute("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal")
        await admin.close()
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(await resp.execute("ECHO", "back"))
            except StateUnavailable:
                outcomes.append(None)
        assert outcomes[-1] == b"back"  # reconnected by itself
    finally:
        await resp.close()


async def test_nothing_listening_fails_every_caller_with_state_unavailable() -> None:
    resp = client(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    results = await asyncio.gather(
        *(resp.execute("PING") for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(r, StateUnavailable) for r in results)
    await resp.close()
    with pytest.raises(StateUnavailable, match="closed"):
        await resp.execute("PING")


async def test_password_and_database_from_the_url(tmp_path: Path) -> None:
    server = start_redis(tmp_path)  # a server of its own: the password is set after start
    try:
        setup = server.client()
        setup.config_set("requirepass", "s3cret")
        setup.close()
        base = f"redis://:s3cret@127.0.0.1:{server.port}"
        two, zero = client(f"{base}/2"), client(f"{base}/0")
        await two.execute("SET", "where", "db2")
        assert await zero.execute("GET", "where") is None
        assert await two.execute("GET", "where") == b"db2"
        await two.close()
        await zero.close()
        wrong = client(f"redis://:nope@127.0.0.1:{server.port}/0")
        with pytest.raises(StateUnavailable, match=r"WRONGPASS|invalid"):
            await wrong.execute("PING")
        await wrong.close()
    finally:
        server.stop()


def test_the_store_runs_on_uvloop(redis_url: str) -> None:
    """The gateway serves on uvloop, whose transports are not asyncio.Transport instances."""

    async def scenario() -> tuple[bool, bool, bytes | None]:
        store = RedisStore.from_url(redis_url, "sgtest:")
        try:
            first = await store.gcra("u", Rate(1, 60), 0)
            second = await store.gcra("u", Rate(1, 60), 0)
            await store.set("k", b"v", ttl=60)
            return first.allowed, second.allowed, await store.get("k")
        finally:
            await store.close()

    assert uvloop.run(scenario()) == (True, False, b"v")


async def test_the_commands_of_one_loop_turn_leave_in_one_write(redis_url: str) -> None:
    """Pipelining: 64 requests' scripts issued in the same turn cost one send(2), not 64."""
    resp = client(redis_url)
    try:
        await resp.execute("PING")  # connected
        conn = resp._conn
        assert conn is not None and conn.transport is not None
        writes: list[bytes] = []
        real = conn.transport.write

        def write(data: bytes | bytearray | memoryview) -> None:
            writes.append(bytes(data))
            real(data)

        conn.transport.write = write  # type: ignore[method-assign]
        script = Script("return ARGV[1]")
        await resp.evalsha(script, script.command([], ["warm"]))  # loaded (NOSCRIPT, LOAD, retry)
        writes.clear()
        replies = await asyncio.gather(
            *(resp.evalsha(script, script.command([], [f"r{i}"])) for i in range(64))
        )
        assert replies == [f"r{i}".encode() for i in range(64)]
        assert len(writes) == 1 and writes[0].count(b"EVALSHA") == 64
        assert await resp.execute("ECHO", "alone") == b"alone"
        assert len(writes) == 2
    finally:
        await resp.close()


async def test_a_silent_server_fails_the_oldest_live_caller_and_every_later_one() -> None:
    """One watchdog per connection, not a timer per command: a caller that gave up first
    does not hide the deadline of the live one behind it."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, answers nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    resp = client(f"redis://127.0.0.1:{port}/0", timeout=0.2)
    try:
        gave_up = asyncio.create_task(resp.execute("GET", "a"))
        await asyncio.sleep(0.05)
        gave_up.cancel()
        live = asyncio.create_task(resp.execute("GET", "b"))
        later = asyncio.create_task(resp.execute("GET", "c"))
        results = await asyncio.wait_for(
            asyncio.gather(live, later, return_exceptions=True), timeout=10
        )
        assert all(isinstance(r, StateUnavailable) for r in results), results
        assert "no reply within 0.2s" in str(results[0])
        assert gave_up.cancelled()
    finally:
        await resp.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_connection_dropped_mid_batch_answers_every_waiting_script(
    redis_url: str,
) -> None:
    """200 GCRA scripts pipelined in one write, the connection dropped before any reply is
    read: every caller gets ``StateUnavailable`` at once (none hangs until its timeout, none
    gets another's reply), and the next call reconnects by itself."""
    store = RedisStore.from_url(redis_url, prefix="midbatch:", timeout=30.0)
    rate = Rate(1_000_000, 1.0)
    try:
        await store.gcra("warm", rate, 10)  # connected, the script loaded
        assert isinstance(store.client, SingleNode)
        conn = store.client.node._conn
        assert conn is not None and conn.transport is not None
        calls = [asyncio.ensure_future(store.gcra(f"k{i}", rate, 10)) for i in range(200)]
        await asyncio.sleep(0)  # the callers queue their commands
        await asyncio.sleep(0)  # the batch leaves in one write; no reply is read yet
        assert len(conn.waiting) == 200
        conn.transport.abort()
        outcomes = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
        assert all(isinstance(o, StateUnavailable) for o in outcomes), outcomes[:3]
        after = await store.gcra("after", rate, 10)
        assert after.allowed and after.remaining == 10
    finally:
        await store.close()


async def test_a_script_flushed_under_concurrent_callers_runs_once_each(redis_url: str) -> None:
    """``SCRIPT FLUSH`` while callers pipeline: each gets NOSCRIPT, loads the script and runs
    it exactly once (the GCRA counter proves no call ran twice or not at all)."""
    store = RedisStore.from_url(redis_url, prefix="flushed:", timeout=5.0)
    admin = client(redis_url)
    rate = Rate(1, 3600.0)  # nothing refills during the test: remaining counts the calls
    try:
        await store.gcra("one", rate, 99)
        await admin.execute("SCRIPT", "FLUSH")
        decisions = await asyncio.gather(*(store.gcra("one", rate, 99) for _ in range(50)))
        assert sorted(d.remaining for d in decisions) == list(range(49, 99))  # 98 .. 49
    finally:
        await admin.close()
        await store.close()


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_a_stall_of_our_own_loop_before_the_write_is_not_charged_to_redis(
    redis_url: str, loop: str
) -> None:
    """A loop busy for longer than the reply timeout (thousands of streams opening at once)
    writes the turn's commands only after the stall: the reply timeout runs from the write.
    Counted from the call, redis's prompt answer was a timeout, which failed the request
    and dropped the connection under everyone else in flight (fail-open admitted requests
    past the limit, fail-closed refused them)."""

    async def scenario() -> list[Any]:
        resp = client(redis_url, timeout=0.5)
        try:
            await resp.execute("PING")  # connected
            # BLPOP holds this connection's replies for 0.15 s (~0.2 s: redis checks its
            # blocking timeouts 10 times a second), inside the 0.5 s timeout with room for
            # a loaded machine (0.3 s left 0.1 s for redis to be scheduled).
            calls = [asyncio.ensure_future(resp.execute("BLPOP", "nothing", "0.15"))]
            calls += [asyncio.ensure_future(resp.execute("ECHO", f"m{i}")) for i in range(20)]
            # Our loop stalls (as when one read hands it thousands of requests) in the turn
            # the commands were issued, for longer than the reply timeout.
            loop = asyncio.get_running_loop()
            busy, wake = socket.socketpair()
            loop.add_reader(busy, lambda: (busy.recv(1), time.sleep(0.7)))
            wake.send(b"x")
            try:
                return list(await asyncio.gather(*calls))
            finally:
                loop.remove_reader(busy)
                busy.close()
                wake.close()
        finally:
            await resp.close()

    run = uvloop.run if loop == "uvloop" else asyncio.run
    assert run(scenario()) == [None, *(f"m{i}".encode() for i in range(20))]


@pytest.mark.parametrize("redirect", [b"MOVED", b"ASK", b"NOSCRIPT"])
async def test_a_one_node_url_on_a_redirecting_node_fails_as_unavailable(
    redirect: bytes,
) -> None:
    """A one-node URL follows no redirect: ``MOVED``/``ASK`` (a cluster node behind a plain
    URL) and a script that will not load become a ``StateUnavailable`` that tells the operator
    what to write, on the script path and the plain-command path alike — never the raw
    ``ReplyError`` only the cluster client follows (the client's calls have no frame of their
    own to catch it in)."""
    from tests.fixtures.redis_topology import ScriptedRedis

    def answer(command: list[bytes]) -> bytes:
        if command[0].upper() == b"SCRIPT":
            return b"$40\r\n" + b"0" * 40 + b"\r\n"
        return b"-" + redirect + b" 1234 127.0.0.1:1\r\n"

    async with ScriptedRedis(answer) as fake:
        node = SingleNode(parse_state_url(f"redis://127.0.0.1:{fake.port}", 1.0))
        store = RedisStore(node)
        try:
            for call in (store.gcra("k", Rate(1, 1.0), 0), store.get("k")):
                with pytest.raises(StateUnavailable) as raised:
                    await call
                assert "redis+cluster://" in str(raised.value)
                assert raised.value.node == f"127.0.0.1:{fake.port}"
        finally:
            await store.close()
