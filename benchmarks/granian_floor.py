"""The Granian floor served the gateway's way, through ASGI or through RSGI: which interface
costs the fewer instructions per request (issue 15)?

``benchmarks.baseline_passthrough --engine granian`` is the floor of ``engine = "granian"``
as an operator would run it (Granian's own process manager, one worker process). The gateway
instead drives Granian below its public API in its own process (proxy/engines/granian.py:
one ``_granian.ASGIWorker`` on this process's uvloop, a bare per-request watcher). This runs
the same aiohttp passthrough that way — in this process, so that ``benchmarks.socket_ab
--cachesim`` counts it under callgrind — as an ASGI app on ``ASGIWorker`` or as an RSGI app
on ``RSGIWorker`` (scope attributes, ``await proto()`` for the body, ``response_stream`` for
the answer). The difference is what the interface alone can save the gateway:

    flock /work/bench.lock python -m benchmarks.socket_ab --run asgi=system:floor-granian-asgi \\
        --run rsgi=system:floor-granian-rsgi --rounds 0 --cachesim

Run as ``python -m benchmarks.granian_floor --port N --upstream http://127.0.0.1:M
--interface asgi|rsgi``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from signal import SIGTERM
from typing import Any, cast

import aiohttp
import uvloop
from granian import _granian
from granian._futures import _new_cbscheduler
from granian.http import HTTP1Settings, HTTP2Settings

from benchmarks.baseline_passthrough import _DROP as _BYTES_DROP
from benchmarks.baseline_passthrough import Passthrough

# The RSGI side of baseline_passthrough's hop-by-hop set (RSGI header names are str).
_DROP = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade", "host",
}  # fmt: skip


class RSGIPassthrough:
    """baseline_passthrough's app in RSGI: the whole body, forwarded; the answer streamed."""

    def __init__(self, upstream: str, session: aiohttp.ClientSession, whole: bool) -> None:
        self.upstream = upstream.rstrip("/")
        self.session = session
        self.whole = whole

    async def __call__(self, scope: Any, proto: Any) -> None:
        body = await proto()
        url = self.upstream + scope.path
        if scope.query_string:
            url += "?" + scope.query_string
        headers = [(k, v) for k, v in scope.headers.items() if k not in _DROP]
        async with self.session.request(scope.method, url, headers=headers, data=body) as up:
            out = [(k, v) for k, v in up.headers.items() if k.lower() not in _DROP]
            if self.whole:
                proto.response_bytes(up.status, out, await up.read())
                return
            transport = proto.response_stream(up.status, out)
            async for chunk in up.content.iter_any():
                await transport.send_bytes(chunk)


class WholePassthrough(Passthrough):
    """The ASGI passthrough answering the way the gateway does a small answer: one body
    message in, the start and one final body message out (``whole``)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert self.session is not None
        message = await receive()
        url = self.upstream + scope["raw_path"].decode()
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode()
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k not in _BYTES_DROP]
        body = message["body"]
        async with self.session.request(scope["method"], url, headers=headers, data=body) as up:
            out = [(k.lower(), v) for k, v in up.raw_headers if k.lower() not in _BYTES_DROP]
            await send({"type": "http.response.start", "status": up.status, "headers": out})
            await send({"type": "http.response.body", "body": await up.read()})


def _asgi(app: Passthrough) -> Callable[[Any, Any], Awaitable[None]]:
    def call(scope: Any, proto: Any) -> Awaitable[None]:
        return app(scope, proto.receive, proto.send)

    return call


def _watched(call: Callable[[Any, Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """proxy.engines.granian's per-request entry, as bare."""

    async def run(watcher: Any) -> None:
        try:
            await call(watcher.scope, watcher.proto)
        except BaseException as exc:
            watcher.err(exc)
            return
        watcher.done()

    return run


async def serve(port: int, upstream: str, interface: str, whole: bool) -> None:
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=1000, keepalive_timeout=300)
    session = aiohttp.ClientSession(
        connector=connector, auto_decompress=False, skip_auto_headers=["User-Agent"]
    )
    if interface == "rsgi":
        call: Callable[[Any, Any], Awaitable[None]] = RSGIPassthrough(upstream, session, whole)
        worker_class: Any = _granian.RSGIWorker
    else:
        app = WholePassthrough(upstream) if whole else Passthrough(upstream)
        app.session = session
        call, worker_class = _asgi(app), _granian.ASGIWorker
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    holder = cast(Any, _granian.SocketHolder)(os.dup(sock.fileno()), False, 1024)
    signal = _granian.WorkerSignal()
    worker = worker_class(
        worker_id=1,
        sock=(None, holder),
        ipc=None,
        threads=1,
        backpressure=4096,
        http_mode="auto",
        http1_opts=HTTP1Settings(keep_alive=True),
        http2_opts=HTTP2Settings(),
        websockets_enabled=False,
    )
    scheduler = cast(Any, _new_cbscheduler)(loop, _watched(call), impl_asyncio=True)
    worker.serve_async(scheduler, loop, signal)
    # SIGTERM ends the loop, so that valgrind (under --cachesim) writes its summary.
    stop = asyncio.Event()
    loop.add_signal_handler(SIGTERM, stop.set)
    await stop.wait()
    signal.set()
    await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="origin, e.g. http://127.0.0.1:8081")
    parser.add_argument("--interface", choices=["asgi", "rsgi"], required=True)
    parser.add_argument(
        "--whole",
        action="store_true",
        help="read the upstream's answer whole and send it in one piece, as the gateway does",
    )
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.upstream, args.interface, args.whole))


if __name__ == "__main__":
    main()
