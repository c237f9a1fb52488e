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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from proxy.testupstreams import (
    FakeReply,
    FakeUpstream,
    RecordedRequest,
    ScriptedClient,
)  # re-exported too
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.provider import Provider


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
