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

import orjson

from proxy.chain import Chain
from proxy.clientip import ClientIpResolver
from proxy.config.models import RouteConfig, RouteMatch
from proxy.config.policyfile import PluginEntry, When
from proxy.config.upstreams import ProviderConfig, UpstreamConfig
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.observe.report import Reporter
from proxy.pipeline import Pipeline
from proxy.plugin import Plugin, Services
from proxy.routing import Route, RouteTable
from proxy.state import MemoryStore, StateStore
from proxy.testfakes import (
    FailingStore,
    FakeClock,
    FakeHttp,
    FakeHttpReply,
    RawReply,
    TestIdentity,
    raw_http,
)  # re-exported: one import place for tests
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


__all__ = [
    "FailingStore",
    "FakeClock",
    "FakeHttp",
    "FakeHttpReply",
    "FakeReply",
    "FakeUpstream",
    "Harness",
    "RawReply",
    "RecordedRequest",
    "Result",
    "ScriptedClient",
    "TestIdentity",
    "make_exchange",
    "raw_http",
]
