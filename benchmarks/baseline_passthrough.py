"""The stack's floor: the fewest lines of hypercorn + aiohttp that forward a request.

An ASGI app that sends method, path, query, headers and body to the upstream through one
aiohttp ClientSession and streams the response back chunk by chunk. No routing, no
policies, no logging: whatever the gateway costs beyond this is the gateway's own.
Served like the gateway is (uvloop, backlog 1024) so the comparison is fair.

Run as `python -m benchmarks.baseline_passthrough --port N --upstream http://127.0.0.1:M`;
with `--engine granian` the same app is served by bare Granian (its own process manager, one
worker, uvloop, ASGI with lifespan): the floor of `[server] engine = "granian"` (issue 15).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import aiohttp

# RFC 9110 7.6.1 hop-by-hop headers, plus host (aiohttp sets the upstream's own).
_DROP = {
    b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"host",
}  # fmt: skip


class Passthrough:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert self.session is not None
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        url = self.upstream + scope["raw_path"].decode()
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode()
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k not in _DROP]
        async with self.session.request(scope["method"], url, headers=headers, data=body) as up:
            out = [(k.lower(), v) for k, v in up.raw_headers if k.lower() not in _DROP]
            await send({"type": "http.response.start", "status": up.status, "headers": out})
            async for chunk in up.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                connector = aiohttp.TCPConnector(limit=1000, keepalive_timeout=300)
                self.session = aiohttp.ClientSession(
                    connector=connector, auto_decompress=False, skip_auto_headers=["User-Agent"]
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


_UPSTREAM_ENV = "PASSTHROUGH_UPSTREAM"


def from_env() -> Passthrough:
    """The app for Granian, which imports its target by name in its worker process."""
    return Passthrough(os.environ[_UPSTREAM_ENV])


def serve_granian(port: int, upstream: str) -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    os.environ[_UPSTREAM_ENV] = upstream
    Server(
        "benchmarks.baseline_passthrough:from_env",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        backlog=1024,
        websockets=False,
        log_access=False,
        factory=True,
    ).serve()


def main() -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="origin, e.g. http://127.0.0.1:8081")
    parser.add_argument("--engine", choices=["hypercorn", "granian"], default="hypercorn")
    args = parser.parse_args()
    if args.engine == "granian":
        serve_granian(args.port, args.upstream)
        return
    config = Config()
    config.bind = [f"127.0.0.1:{args.port}"]
    config.backlog = 1024
    config.accesslog = None
    run: Any = asyncio.run
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        pass
    run(serve(Passthrough(args.upstream), config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
