"""The test kit's stand-ins for what surrounds a plugin: time, identity, a failing store,
off-path HTTP, and a raw socket client. Re-exported by ``proxy.testing`` (and publicly by
``sluicegate.testing``); each is a real implementation of its seam, never a mock, so the code
above it runs as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import Field
from starlette.responses import Response

from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions
from proxy.records import Identity
from proxy.state import MemoryStore, StateUnavailable


class FakeClock:
    """Seconds that only move when the test says so (``advance``, or set ``now``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TestIdentity(Plugin):
    """Test stand-in for an authentication plugin: the identity comes from request headers
    (``X-Sub``, ``X-Key``, ``X-Tier``, ``X-Models`` as a comma list), or is fixed by
    ``subject``. Without a subject the request stays anonymous."""

    __test__ = False  # a plugin, not a pytest test class
    name = "test_identity"

    class Options(PluginOptions):
        subject: str | None = Field(None, description="A fixed subject for every request.")
        subject_header: str = Field("x-sub", description="Header naming the subject.")
        tier: str | None = Field(None, description="A fixed tier (else the X-Tier header).")
        key_id_from_subject: bool = Field(False, description='key_id = "key-<subject>".')

    options: Options

    async def on_request(self, ex: Exchange) -> Response | None:
        headers = ex.request_headers
        subject = self.options.subject or headers.get(self.options.subject_header)
        if not subject:
            return None
        models = headers.get("x-models")
        key_id = headers.get("x-key") or (
            f"key-{subject}" if self.options.key_id_from_subject else None
        )
        ex.identity = Identity(
            subject,
            key_id=key_id,
            tier=self.options.tier or headers.get("x-tier"),
            source="test",
            allowed_models=frozenset(models.split(",")) if models is not None else None,
        )
        return None


class FailingStore(MemoryStore):
    """A memory store whose named calls raise ``StateUnavailable`` (every call when none are
    named), the way redis fails when it is down. Calls not named work normally."""

    def __init__(self, *calls: str, clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock=clock)
        self.failed: list[str] = []
        names = calls or _STORE_CALLS
        for name in names:
            if not callable(getattr(MemoryStore, name, None)):
                raise ValueError(f"FailingStore: MemoryStore has no call {name!r}")
            setattr(self, name, self._failing(name))

    def _failing(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            self.failed.append(name)
            raise StateUnavailable(f"{name}: the test store is down")

        return fail


_STORE_CALLS = (
    "gcra", "incr", "reserve", "adjust", "hit", "get", "set", "delete", "take",
    "ban", "banned", "bans", "unban", "lead", "release", "wait_released",
)  # fmt: skip

FakeHttpReply = httpx.Response | Mapping[str, Any] | Callable[[httpx.Request], httpx.Response]


class FakeHttp(httpx.AsyncClient):
    """An httpx client answered in-process: ``routes`` maps a URL (or a path) to a JSON body,
    an ``httpx.Response``, or a function of the request. Anything else gets a 404, so a
    plugin calling an unexpected URL fails its test rather than reaching the network. Every
    request is kept in ``requests`` for assertions::

        http = FakeHttp({"https://idp.example/jwks.json": {"keys": [...]}})
        services = Services(store=MemoryStore(), metrics=Metrics(), http_factory=lambda: http)
    """

    def __init__(self, routes: Mapping[str, FakeHttpReply]) -> None:
        self.routes = dict(routes)
        self.requests: list[httpx.Request] = []
        super().__init__(transport=httpx.MockTransport(self._handle))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.routes.get(str(request.url), self.routes.get(request.url.path))
        if reply is None:
            return httpx.Response(404, json={"error": f"FakeHttp: no route for {request.url}"})
        if isinstance(reply, httpx.Response):
            return reply
        if callable(reply):
            return reply(request)
        return httpx.Response(200, json=dict(reply))


@dataclass
class RawReply:
    """What a raw HTTP/1.1 exchange got back (see ``raw_http``)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


async def raw_http(
    port: int,
    head: str | bytes,
    body: bytes = b"",
    *,
    host: str = "127.0.0.1",
    timeout: float = 10.0,
) -> RawReply:
    """Send bytes exactly as given (no client library to merge, reorder or normalise header
    lines or the path) and read the answer until the server closes. ``head`` is the request
    line and header lines, each ending in CRLF; ``Connection: close`` and the blank line are
    added. For hostile-client tests."""
    raw = head.encode("latin-1") if isinstance(head, str) else head
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw + b"Connection: close\r\n\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head_bytes, _, payload = data.partition(b"\r\n\r\n")
    status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
    headers = [
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in lines)
    ]
    if any(k == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        payload = _dechunk(payload)
    return RawReply(int(status_line.split()[1]), headers, payload)


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)
