"""Script calls settled where their replies are read (``proxy.state.resp``): the reply turned
into the caller's answer, a reply of another shape a ``StateUnavailable`` (never a 500), and
NOSCRIPT followed by one ``SCRIPT LOAD`` and one resend on the same connection — ``ASKING``
included — whose failure is the caller's."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.state import StateUnavailable
from proxy.state.packing import Script
from proxy.state.resp import NodeUnavailable, ReplyError, RespClient
from proxy.state.urls import parse_state_url
from tests.fixtures.redis_topology import ScriptedRedis

SCRIPT = Script("return {1, ARGV[1]}")


def client(url: str) -> RespClient:
    return RespClient(parse_state_url(url, 2.0).node)


async def test_a_reply_is_converted_as_read_and_a_reply_of_another_shape_is_unavailable(
    redis_url: str,
) -> None:
    resp = client(redis_url)
    try:
        got = await resp.evalsha(SCRIPT, SCRIPT.on_one_key(["v"]).command("k"), tuple)
        assert got == (1, b"v")

        def fourth(reply: Any) -> Any:
            return reply[3]

        with pytest.raises(StateUnavailable, match="unexpected reply"):
            await resp.evalsha(SCRIPT, SCRIPT.command(["k"], ["v"]), fourth)
        assert await resp.execute("ECHO", "in step") == b"in step"
    finally:
        await resp.close()


def scripted(loads: list[bytes], evals: list[bytes]) -> ScriptedRedis:
    """A node answering SCRIPT LOAD and EVALSHA from these lists, in turn; ASKING +OK."""

    def answer(command: list[bytes]) -> bytes:
        name = command[0].upper()
        if name == b"ASKING":
            return b"+OK\r\n"
        if name == b"SCRIPT":
            return loads.pop(0)
        if name == b"EVALSHA":
            return evals.pop(0)
        return b"$%d\r\n%b\r\n" % (len(command[-1]), command[-1])  # ECHO

    return ScriptedRedis(answer)


NOSCRIPT = b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
LOADED = b"$40\r\n" + SCRIPT.sha.encode() + b"\r\n"


@pytest.mark.parametrize("asking", [False, True], ids=["direct", "after-ASK"])
async def test_noscript_loads_the_script_and_resends_the_call_once(asking: bool) -> None:
    async with scripted([LOADED], [NOSCRIPT, b":7\r\n"]) as node:
        resp = client(f"redis://127.0.0.1:{node.port}/0")
        try:
            command = SCRIPT.command(["k"], ["v"])
            assert await resp.evalsha(SCRIPT, command, asking=asking) == 7
            names = [c[0].upper() for c in node.commands]
            call = [b"ASKING", b"EVALSHA"] if asking else [b"EVALSHA"]
            assert names == [*call, b"SCRIPT", *call]
            assert node.commands[-1] == node.commands[len(call) - 1]  # the same call again
            assert node.commands[len(call)][2] == SCRIPT.text.encode()
        finally:
            await resp.close()


async def test_a_second_noscript_is_not_followed_again() -> None:
    async with scripted([LOADED], [NOSCRIPT, NOSCRIPT]) as node:
        resp = client(f"redis://127.0.0.1:{node.port}/0")
        try:
            with pytest.raises(ReplyError, match="NOSCRIPT"):
                await resp.evalsha(SCRIPT, SCRIPT.command(["k"], ["v"]))
            assert [c[0].upper() for c in node.commands] == [b"EVALSHA", b"SCRIPT", b"EVALSHA"]
            assert await resp.execute("ECHO", "in step") == b"in step"
        finally:
            await resp.close()


async def test_a_script_load_that_fails_fails_the_call_and_keeps_the_stream_in_step() -> None:
    oom = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    async with scripted([oom], [NOSCRIPT, NOSCRIPT]) as node:
        resp = client(f"redis://127.0.0.1:{node.port}/0")
        try:
            with pytest.raises(NodeUnavailable, match="OOM") as failed:
                await resp.evalsha(SCRIPT, SCRIPT.command(["k"], ["v"]))
            assert failed.value.code == "OOM"
            assert await resp.execute("ECHO", "in step") == b"in step"  # the resend's reply read
        finally:
            await resp.close()
