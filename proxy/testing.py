"""The plugin test kit: run one plugin, or a whole chain, through the real request path.

Nothing is mocked above the upstream seam: the harness builds a real Chain, Route, upstream
group and Pipeline, and only the provider is fake (``FakeUpstream``, an UpstreamClient that
records what it was sent). So a plugin tested here behaves as it will in the gateway::

    harness = Harness([(MyPlugin, {"limit": 3})])
    result = await harness.request("POST", "/v1/chat/completions", json={...})
    assert result.status == 200
    assert harness.upstream.requests[0].headers ...

``make_exchange`` builds a bare Exchange for calling a hook directly.

The rest of the kit, so no test file declares its own copy:

- ``FakeClock``: seconds that move only when the test says so; hand it to ``MemoryStore``
  and ``Services`` (``clock=``) to test windows, expiry and bans without sleeping.
- ``TestIdentity``: a stand-in authentication plugin; put it first in the chain and each
  request's ``X-Sub`` / ``X-Key`` / ``X-Tier`` / ``X-Models`` headers become ``ex.identity``
  (or give it a fixed ``subject``).
- ``FailingStore``: a memory store whose named calls (or all of them) raise
  ``StateUnavailable``, as redis does when it is down; wrap it in ``GuardedStore`` to test
  ``on_error``.
- ``FakeHttp``: an ``httpx.AsyncClient`` answered in-process, for ``Services(http_factory=)``:
  a plugin's off-path calls (JWKS, webhooks) without a socket.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import orjson
from pydantic import Field
from starlette.responses import Response

from proxy.chain import Chain
from proxy.clientip import ClientIpResolver
from proxy.config.models import (
    PluginEntry,
    ProviderConfig,
    RouteConfig,
    RouteMatch,
    UpstreamConfig,
    When,
)
from proxy.exchange import Exchange, Identity
from proxy.observe.metrics import Metrics
from proxy.observe.report import Reporter
from proxy.pipeline import Pipeline
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.routing import Route, RouteTable
from proxy.state import MemoryStore, StateStore, StateUnavailable
from proxy.upstream.client import (
    BasicResponse,
    RawHeaders,
    UpstreamConnectError,
    UpstreamRequest,
    UpstreamTimeout,
)
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.mock import MockClient
from proxy.upstream.provider import Provider

Handler = Callable[[UpstreamRequest, bytes], "Awaitable[FakeReply] | FakeReply"]


@dataclass
class FakeReply:
    status: int = 200
    headers: RawHeaders = field(default_factory=lambda: [(b"content-type", b"application/json")])
    chunks: Sequence[bytes] = (b'{"ok": true}',)
    interval: float = 0.0  # seconds between chunks, for streams that trickle like a model's

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> FakeReply:
        return cls(status, [(b"content-type", b"application/json")], [orjson.dumps(payload)])

    @classmethod
    def sse(cls, events: Sequence[Any], done: bool = True) -> FakeReply:
        chunks = [b"data: " + orjson.dumps(e) + b"\n\n" for e in events]
        if done:
            chunks.append(b"data: [DONE]\n\n")
        return cls(200, [(b"content-type", b"text/event-stream")], chunks)


@dataclass
class RecordedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class _FakeResponse(BasicResponse):
    def __init__(self, reply: FakeReply) -> None:
        self.status = reply.status
        self.headers = list(reply.headers)
        self._chunks = list(reply.chunks)
        self._interval = reply.interval
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        for index, chunk in enumerate(self._chunks):
            if index and self._interval:
                await asyncio.sleep(self._interval)
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


class FakeUpstream:
    """An UpstreamClient that records requests and answers with a fixed reply or a handler."""

    def __init__(self, reply: FakeReply | Handler | None = None) -> None:
        self.reply = reply or FakeReply.json(_CHAT_REPLY)
        self.requests: list[RecordedRequest] = []

    async def send(self, request: UpstreamRequest) -> _FakeResponse:
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = b"".join([chunk async for chunk in body])
        self.requests.append(
            RecordedRequest(request.method, request.url, dict(request.headers), body or b"")
        )
        if isinstance(self.reply, FakeReply):
            return _FakeResponse(self.reply)
        produced = self.reply(request, body or b"")
        reply = await produced if inspect.isawaitable(produced) else produced
        return _FakeResponse(reply)

    async def close(self) -> None:
        return None


_CHAT_REPLY = {
    "id": "chatcmpl-test",
    "object": "chat.completion",
    "created": 0,
    "model": "test-model",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}


@dataclass
class Result:
    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes]
    exchange: Exchange

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def json(self) -> Any:
        return orjson.loads(self.body)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


PluginSpec = tuple[type[Plugin], Mapping[str, Any]] | Plugin


class Harness:
    """A gateway of one route: the given plugins in front of a FakeUpstream."""

    def __init__(
        self,
        plugins: Sequence[PluginSpec],
        upstream: FakeUpstream | None = None,
        *,
        store: StateStore | None = None,
        services: Services | None = None,
        models: dict[str, str] | None = None,
        trusted_proxies: Sequence[str] = (),
        max_body: int = 32 * 1024 * 1024,
        group: UpstreamGroup | None = None,
        chain: Chain | None = None,
        upstream_options: Mapping[str, Any] | None = None,
        client_ip_header: str = "x-forwarded-for",
    ) -> None:
        """``group``: a real upstream group (e.g. a config's, over ``ScriptedClient``s) in
        place of the one-target group in front of ``upstream``; ``chain``: a chain built
        elsewhere (a config's policy, with its ``when`` conditions) in place of ``plugins``."""
        self.metrics = services.metrics if services else Metrics()
        self.store = store or (services.store if services else MemoryStore())
        self.services = services or Services(store=self.store, metrics=self.metrics)
        self.upstream = upstream or FakeUpstream()
        self.chain = chain or Chain("test", [self._link(i, p) for i, p in enumerate(plugins)])
        if group is None:
            provider = Provider("fake", ProviderConfig(type="mock", models=models), self.upstream)
            group = UpstreamGroup(
                "test",
                UpstreamConfig.model_validate(
                    {"targets": [{"provider": "fake"}], "retry": {"attempts": 1}}
                    | dict(upstream_options or {})
                ),
                {"fake": provider},
            )
        self.group = group
        route = Route.build(
            0, RouteConfig(match=RouteMatch(), policy="test", upstream="test"), self.chain, group
        )
        resolver = ClientIpResolver([_network(p) for p in trusted_proxies], client_ip_header)
        self._exchanges: dict[int, Exchange] = {}
        reporter = _CapturingReporter(self.metrics, self._exchanges)
        self.pipeline = Pipeline(RouteTable([route]), resolver, max_body, reporter)

    def _link(self, index: int, spec: PluginSpec) -> Any:
        if isinstance(spec, Plugin):
            return Chain.link(index, spec.name or type(spec).__name__, spec, None, spec.mode)
        cls, raw = spec
        entry = PluginEntry.model_validate({"use": cls.name or cls.__name__, **raw})
        plugin = cls(cls.Options.model_validate(entry.model_extra or {}), self.services)
        when = entry.when if isinstance(entry.when, When) else None
        return Chain.link(index, entry.use, plugin, when, entry.mode)

    async def request(
        self,
        method: str = "GET",
        path: str = "/v1/chat/completions",
        *,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        json: Any = None,
        body: bytes | None = None,
        query: str = "",
        client_ip: str = "127.0.0.1",
    ) -> Result:
        """Send one request through the chain; waits for on_complete hooks to finish."""
        pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in pairs]
        if json is not None:
            body = orjson.dumps(json)
            if not any(k == b"content-type" for k, _ in raw_headers):
                raw_headers.append((b"content-type", b"application/json"))
        if body is not None:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        if "?" in path:  # as a server would: the target's query is not part of the path
            path, query = path.split("?", 1)
        scope = {
            "type": "http",
            "method": method.upper(),
            "path": unquote(path),
            "raw_path": path.encode(),
            "scheme": "http",
            "query_string": query.encode(),
            "headers": raw_headers,
            "client": (client_ip, 50000),
            "server": ("127.0.0.1", 8080),
        }
        messages = [{"type": "http.request", "body": body or b"", "more_body": False}]
        sent: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop(0)
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        try:
            await self.pipeline.handle(scope, receive, send)
        finally:
            done.set()
        await self.pipeline.reporter.drain(5.0)
        start = next(m for m in sent if m["type"] == "http.response.start")
        chunks = [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]
        return Result(
            start["status"],
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
            [c for c in chunks if c],
            self._exchanges.pop(id(scope)),
        )

    async def close(self) -> None:
        await self.chain.close()
        await self.services.close()


class _CapturingReporter(Reporter):
    """Keeps each finished Exchange, keyed by its ASGI scope, for the Result."""

    def __init__(self, metrics: Metrics, into: dict[int, Exchange]) -> None:
        super().__init__(metrics, None)
        self._into = into

    def completed(self, ex: Exchange) -> None:
        self._into[id(ex.scope)] = ex
        super().completed(ex)


class ScriptedClient:
    """A provider that follows a script, one reply per request (the last one repeats):

    - ``"answer"``: what the built-in mock provider answers (chat, embeddings, streams);
    - ``"fail"``: the connection fails (``UpstreamConnectError``);
    - ``"slow"``: no first byte within the timeout (``UpstreamTimeout``), at once: a test
      never waits for a real timeout;
    - ``"429"``, ``"500"``, any status: that status with an error body (a 429 says
      ``retry-after: 1``);
    - a ``FakeReply``: exactly that.

    ``sent`` lists, per request, the model it asked for and the reply it got.
    """

    def __init__(self, script: Sequence[str | FakeReply] = ("answer",)) -> None:
        self.script = list(script) or ["answer"]
        self.sent: list[tuple[str | None, str]] = []
        self._mock = MockClient()

    async def send(self, request: UpstreamRequest) -> Any:
        step = self.script[min(len(self.sent), len(self.script) - 1)]
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = b"".join([chunk async for chunk in body])
        model = _model_of(body or b"")
        self.sent.append((model, step if isinstance(step, str) else f"status {step.status}"))
        if isinstance(step, FakeReply):
            return _FakeResponse(step)
        if step == "answer":
            forwarded = UpstreamRequest(
                request.method, request.url, request.headers, body, request.connect_timeout
            )
            return await self._mock.send(forwarded)
        if step == "fail":
            raise UpstreamConnectError("scripted: the provider cannot be reached")
        if step == "slow":
            raise UpstreamTimeout("scripted: no first byte in time", "first_byte")
        status = int(step)
        headers: RawHeaders = [(b"content-type", b"application/json")]
        if status == 429:
            headers.append((b"retry-after", b"1"))
        error = {"error": {"type": "scripted", "message": f"scripted {status}"}}
        return _FakeResponse(FakeReply(status, headers, [orjson.dumps(error)]))

    async def close(self) -> None:
        return None


def _model_of(body: bytes) -> str | None:
    try:
        payload = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    model = payload.get("model") if isinstance(payload, dict) else None
    return model if isinstance(model, str) else None


def make_exchange(
    method: str = "POST",
    path: str = "/v1/chat/completions",
    *,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    client_ip: str = "127.0.0.1",
) -> Exchange:
    """A bare Exchange (no route) for calling one hook directly."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    body = orjson.dumps(json) if json is not None else b""
    if json is not None:
        raw_headers.append((b"content-type", b"application/json"))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": raw_headers,
        "client": (client_ip, 50000),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    ex = Exchange(scope, receive, client_ip=client_ip)
    ex.request_id = "test-request"
    return ex


def _network(value: str) -> Any:
    from ipaddress import ip_network

    return ip_network(value, strict=False)


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
