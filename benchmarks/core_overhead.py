"""The gateway's own CPU per request, without sockets: a stable number to optimise against.

The socket benchmarks (``run.sh``) swing by ±10% on a shared VM, more than most single
changes to the core move them. This drives the real ``Gateway`` ASGI app in process with a
fixed client request and an in-process upstream that answers what the nginx upstream
answers (same headers, same body), and reports microseconds per request: everything the
gateway adds on top of the server (Hypercorn) and the upstream client (aiohttp).

    python -m benchmarks.core_overhead [-c benchmarks/configs/core.toml] [-n 20000] [--body chat_4k]
    python -m benchmarks.core_overhead --system gateway-full

``--system NAME`` takes a system of ``benchmarks/systems.py``: its config, its environment
and the headers the load generators send (e.g. the bench JWT); a system that needs redis
gets a redis-server of its own on a free port, stopped at the end. It prints the best of
``--rounds`` runs (the least disturbed one) and their median; ``--cpu`` measures the
process's CPU time instead of wall time (other work on a shared machine does not count).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks.payloads import BODIES, CHAT_RESPONSE
from benchmarks.procs import ProcessGroup, wait_tcp
from benchmarks.systems import by_name
from proxy.app import Gateway
from proxy.config.loader import load_config
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime
from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamRequest
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
_BODY = orjson.dumps(CHAT_RESPONSE)
_HEADERS: RawHeaders = [
    (b"Server", b"nginx/1.22.1"),
    (b"Date", b"Thu, 26 Nov 2026 04:00:00 GMT"),
    (b"Content-Type", b"application/json"),
    (b"Content-Length", str(len(_BODY)).encode()),
    (b"Connection", b"keep-alive"),
]


class _FixedResponse(BasicResponse):
    __slots__ = ("_done", "headers", "status")

    def __init__(self) -> None:
        self.status = 200
        self.headers = _HEADERS
        self._done = False

    def chunks(self) -> AsyncIterator[bytes]:
        return self

    def __aiter__(self) -> _FixedResponse:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        self._done = True
        return _BODY

    def body_done(self) -> bool:
        return self._done

    async def aclose(self) -> None:
        return None


class FixedUpstream:
    """An UpstreamClient that answers at once: only the gateway's own work is timed.

    Not ``proxy.testing.FakeUpstream``: that one records every request (its cost would be
    timed, and 100,000 records kept), and its response has no ``body_done``, so the
    gateway's path for a provider body that ends with its last chunk would not be measured.
    """

    async def send(self, request: UpstreamRequest) -> _FixedResponse:
        return _FixedResponse()

    async def close(self) -> None:
        return None


def _scope(body: bytes, extra: Sequence[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def run(
    gateway: Gateway,
    body: bytes,
    count: int,
    headers: Sequence[tuple[bytes, bytes]] = (),
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """µs per request over ``count`` requests, by ``clock``: wall time by default;
    ``time.process_time`` counts this process's CPU only (every thread, the span exporter's
    included), so a busy machine or a redis-server waiting for a core does not count."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    refused: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        # A refused request (401 from a missing token, 503 from a down store) costs far less
        # than a served one: its figure would flatter the chain, so it is an error.
        if message["type"] == "http.response.start" and message["status"] != 200:
            refused.append(message["status"])

    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await never.wait()  # a client that stays connected
        return {"type": "http.disconnect"}

    started = clock()
    for _ in range(count):
        messages.append({"type": "http.request", "body": body, "more_body": False})
        await gateway(_scope(body, headers), receive, send)
        messages.clear()
        if refused:
            raise SystemExit(f"the gateway answered {refused[0]}, not 200: fix the set-up")
    return (clock() - started) / count * 1e6


@contextlib.asynccontextmanager
async def built(
    config: Path, body: bytes, headers: Sequence[tuple[bytes, bytes]] = ()
) -> AsyncIterator[Gateway]:
    """The real ``Gateway`` of ``config`` with every provider answering at once, warmed up
    (caches and lazily built children) and closed when the block ends."""
    loaded = load_config(config)
    runtime = Runtime.build(loaded, Metrics(), access_stream=io.BytesIO())
    for provider in runtime.providers.values():
        provider.client = FixedUpstream()
    gateway = Gateway(runtime, 1.0)
    runtime.start()
    try:
        await run(gateway, body, 500, headers)
        yield gateway
    finally:
        await runtime.close()


async def measure(
    config: Path,
    count: int,
    rounds: int,
    body: bytes,
    headers: Sequence[tuple[bytes, bytes]] = (),
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    async with built(config, body, headers) as gateway:
        return [await run(gateway, body, count, headers, clock) for _ in range(rounds)]


@contextlib.contextmanager
def system_environment(
    name: str, redis_url: str | None = None
) -> Iterator[tuple[Path, list[tuple[bytes, bytes]]]]:
    """The config and request headers of system ``name``, with its environment set (and a
    redis-server of its own when it needs one and ``redis_url`` is not given) for as long as
    the block runs."""
    system = by_name(name)
    if "-c" not in system.argv:
        raise SystemExit(f"{name} is not a gateway system (no -c config)")
    config = Path(system.argv[system.argv.index("-c") + 1])
    headers = [(k.lower().encode(), v.encode()) for k, v in system.headers.items()]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        values = {"upstream_url": "http://127.0.0.1:9/v1", "tmp": tmp}
        if "redis" in system.needs and redis_url is not None:
            values["redis_url"] = redis_url
        elif "redis" in system.needs:
            group = ProcessGroup(Path(tmp))
            stack.callback(group.close)
            port = free_port()
            argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                    "--appendonly", "no", "--dir", tmp]  # fmt: skip
            wait_tcp(group.start("redis", argv, cpu=None), port)
            # A reply waits for the loop's next poll, one turn of 64 requests' work with -c 64
            # in process; on a loaded machine that turn can pass the default 0.5 s timeout.
            values["redis_url"] = f"redis://127.0.0.1:{port}/0?socket_timeout=5"
        saved = dict(os.environ)
        stack.callback(lambda: (os.environ.clear(), os.environ.update(saved)))
        for key, value in system.env.items():
            with contextlib.suppress(KeyError):  # listen addresses: unused in process
                os.environ[key] = value.format(**values)
        yield config, headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", type=Path, default=ROOT / "benchmarks/configs/core.toml")
    parser.add_argument(
        "--system", default=None, help="a system of benchmarks/systems.py (overrides -c)"
    )
    parser.add_argument("-n", "--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", choices=sorted(BODIES), default="chat", help="request body")
    parser.add_argument(
        "--cpu", action="store_true", help="process CPU time, not wall time (a shared machine)"
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    body = orjson.dumps(BODIES[args.body])
    with contextlib.ExitStack() as stack:
        config: Path = args.config
        headers: list[tuple[bytes, bytes]] = []
        if args.system:
            config, headers = stack.enter_context(system_environment(args.system))
        results = asyncio.run(measure(config, args.count, args.rounds, body, headers, clock))
    label = args.system or config.name
    print(
        f"{label} ({args.body}): best {min(results):.1f} µs/request, "
        f"median {statistics.median(results):.1f} ({args.rounds} x {args.count})"
    )


if __name__ == "__main__":
    main()
