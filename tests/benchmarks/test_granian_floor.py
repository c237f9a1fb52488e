"""benchmarks.granian_floor forwards through either Granian interface: the request reaches the
upstream with its body and headers, and the upstream's answer comes back, streamed or in
one piece — else its instruction counts would compare two apps
that do different work."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import pytest

from benchmarks.procs import ProcessGroup, wait_tcp
from benchmarks.socket_ab import ROOT, drive
from tests.fixtures.ports import free_port

ANSWER = b'{"id": "x", "choices": []}'


@pytest.mark.parametrize("interface", ["asgi", "rsgi"])
@pytest.mark.parametrize("whole", [False, True])
def test_the_floor_forwards_the_request_and_returns_the_answer(
    interface: str, whole: bool, tmp_path: Path
) -> None:
    seen: list[bytes] = []

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                seen.append(head.lower() + await reader.readexactly(length))
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                    + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER
                )  # fmt: skip
        writer.close()

    async def run(group: ProcessGroup) -> int:
        server = await asyncio.start_server(upstream, "127.0.0.1", 0)
        origin = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        port = free_port()
        argv = [sys.executable, "-m", "benchmarks.granian_floor", "--port", str(port),
                "--upstream", origin, "--interface", interface]  # fmt: skip
        argv += ["--whole"] if whole else []
        proc = group.start("floor", argv, cpu=None, cwd=ROOT)
        async with server:
            await asyncio.to_thread(wait_tcp, proc, port)
            return await drive(port, b'{"a": 1}', 2, 3, [("x-bench", "1")])

    group = ProcessGroup(tmp_path)
    try:
        failed = asyncio.run(run(group))
    finally:
        group.close()
    assert failed == 0 and len(seen) == 6
    assert all(r.startswith(b"post /v1/chat/completions http/1.1") for r in seen)
    assert all(b"x-bench: 1" in r and r.endswith(b'{"a": 1}') for r in seen)
