"""Streaming upstream for the SSE scenario: an aiohttp server that answers every
POST /v1/chat/completions with a chat-completion SSE stream of `--chunks` events,
`--interval-ms` apart, then `data: [DONE]`.

Run as `python -m benchmarks.sse_upstream --port N`. The pauses between chunks make the
streams overlap, which is the point: 500 of them are open at once in the proxy.
"""

from __future__ import annotations

import argparse
import asyncio

import orjson
from aiohttp import web

from benchmarks.payloads import MODELS_RESPONSE, SSE_DONE, sse_chunk


def build_app(chunks: int, interval_s: float) -> web.Application:
    events = [sse_chunk(i) for i in range(chunks)]

    async def chat(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
        )
        await response.prepare(request)
        for index, event in enumerate(events):
            if index:
                await asyncio.sleep(interval_s)
            await response.write(event)
        await response.write(SSE_DONE)
        await response.write_eof()
        return response

    async def models(request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(MODELS_RESPONSE), content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=5.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    web.run_app(
        build_app(args.chunks, args.interval_ms / 1000.0),
        host="127.0.0.1",
        port=args.port,
        backlog=4096,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
