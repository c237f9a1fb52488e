"""Exchange: one request/response in flight, and the data plugins share through it.

Plugins never import each other; what one learns (who is calling, how many tokens were
used, what looked malicious) it writes to a documented field here for the next to read:
``identity``, ``usage`` and ``events``. ``state_for(plugin, make)`` is a plugin's private,
typed per-request state.

The request body is read at most once and parsed at most once, lazily: a route whose plugins
never ask for it streams the body straight to the provider.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

import orjson
from starlette.datastructures import MutableHeaders

from proxy.errors import GatewayError, PolicyError
from proxy.forward import client_headers
from proxy.jsonbytes import dumps_kept

if TYPE_CHECKING:
    from proxy.observe.tracing import RequestTrace

Scope = dict[str, Any]
Receive = Any
S = TypeVar("S")

# The methods whose request may carry a body the gateway looks at (model routing, the model
# allowlist, size limits, scans). DELETE is in: RFC 9110 lets it carry one, and a check that
# skipped it would be a way around the check.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The client headers the exchange reads once, when it starts (see ``Exchange.__init__``).
_FACT_HEADERS = frozenset(
    {b"content-type", b"content-length", b"transfer-encoding", b"content-encoding", b"connection"}
)


@dataclass(slots=True)
class Identity:
    """Who is calling, as established by an authentication plugin (jwt, api_key)."""

    subject: str
    key_id: str | None = None
    tier: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # The model aliases this caller may use (None: any). The core checks it once the request
    # phase is over and the model is final, so a plugin that rewrites ``model`` later in the
    # chain cannot get around it.
    allowed_models: frozenset[str] | None = None
    # The team a runtime (store) key belongs to: spend, budgets and metrics are kept per team.
    team: str | None = None
    # The plugin that set this identity runs in monitor mode: the core's checks on its behalf
    # (the model allowlist) record their event and let the request through.
    monitored: bool = False


@dataclass(slots=True)
class Usage:
    """Tokens and cost of this exchange, from the provider's ``usage`` block when it has one."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    provider: str | None = None
    model: str | None = None
    # The ``model`` the provider says answered (JSON body or stream events): often a dated
    # snapshot of the requested one ("gpt-4o" -> "gpt-4o-2024-08-06"); None if it said none.
    response_model: str | None = None
    reported: bool = False
    # Prompt tokens read from / written to the provider's prompt cache (included in input).
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    # What is priced per unit where the provider reports no tokens: "images", "seconds" of
    # audio, "characters" of speech input (docs/providers.md).
    units: float = 0.0
    unit: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class SecurityEvent:
    """Something a policy noticed: logged as one line and counted by type after the request."""

    type: str
    plugin: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
    monitored: bool = False


class Headers(MutableHeaders):
    """starlette's MutableHeaders with a ``get`` that never raises: the
    inherited ``Mapping.get`` raises and catches a KeyError for every absent name (~1 µs,
    on every request that asks for an optional header such as ``x-request-id``)."""

    def get(self, key: str, default: Any = None) -> Any:
        name = key.lower().encode("latin-1")
        for header, value in self._list:
            if header == name:
                return value.decode("latin-1")
        return default


class BodyTooLarge(PolicyError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "payload_too_large", f"request body exceeds {limit} bytes")


class Exchange:
    """One request and its response as they travel through the chain and the upstream."""

    __slots__ = (
        "_body",
        "_body_consumed",
        "_body_stream",
        "_content_encoded",
        "_content_type",
        "_has_body",
        "_json",
        "_json_dirty",
        "_plugin_state",
        "attempts",
        "body_complete",
        "body_error",
        "chain_depth",
        "client_ip",
        "events",
        "first_byte_at",
        "identity",
        "max_body",
        "method",
        "model",
        "path",
        "query_string",
        "receive",
        "request_headers",
        "request_id",
        "response_headers",
        "response_started",
        "route_name",
        "scope",
        "skipped",
        "started_at",
        "status",
        "streaming",
        "target",
        "trace",
        "upstream_model",
        "usage",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        *,
        client_ip: str = "",
        max_body: int = 32 * 1024 * 1024,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: bytes = scope.get("query_string", b"")
        # One pass over the client's headers for every fact the core asks about them (and
        # the Connection list only when there is one): each used to be its own loop.
        raw = scope["headers"]
        content_type: bytes | None = None
        has_body: bool | None = None
        encoded = connection = False
        for key, value in raw:
            if key in _FACT_HEADERS:
                if key == b"content-type":
                    if content_type is None:
                        content_type = value
                elif key == b"content-length":
                    if has_body is None:
                        has_body = value.strip() != b"0"
                elif key == b"transfer-encoding":
                    if has_body is None:
                        has_body = True
                elif key == b"content-encoding":
                    encoded = encoded or value.strip().lower() not in (b"", b"identity")
                else:
                    connection = True
        self._content_type = content_type
        self._has_body = bool(has_body)
        self._content_encoded = encoded
        self.request_headers: MutableHeaders = Headers(
            raw=client_headers(raw) if connection else list(raw)
        )
        self.client_ip = client_ip
        self.max_body = max_body
        # The name of the route this request matched (None: no route matched). Plugins get the
        # name, not the route: its chain and upstream group are the core's.
        self.route_name: str | None = None
        self.request_id: str = ""
        self.identity: Identity | None = None
        self.usage = Usage()
        self.events: list[SecurityEvent] = []
        self.model: str | None = None
        self.upstream_model: str | None = None
        self.target: str | None = None
        # Set by a tracing plugin running on this route (proxy/observe/tracing.py).
        self.trace: RequestTrace | None = None
        self.attempts = 0
        # How far the request phase got (index of the plugin that answered, or the chain's
        # length) and which plugins a `when` condition switched off: the response, chunk and
        # complete phases run only for plugins that ran.
        self.chain_depth = 1 << 30
        self.skipped: set[int] | None = None
        self.status = 0
        self.response_headers: MutableHeaders = Headers()
        self.response_started = False
        self.streaming = False
        self.started_at = time.perf_counter()
        self.first_byte_at: float | None = None
        self._body: bytes | None = None
        self._body_consumed = False
        self.body_complete = False
        self.body_error: GatewayError | None = None
        self._body_stream: AsyncIterator[bytes] | None = None
        self._json: Any = None
        self._json_dirty = False
        self._plugin_state: dict[int, Any] | None = None

    # -- request facts (decided here once, for the core and every plugin) ----------------------

    @property
    def media_type(self) -> str:
        """The client's Content-Type without parameters, lower case ("" when absent)."""
        value = self._content_type
        if value is None:
            return ""
        return value.split(b";", 1)[0].strip().lower().decode("latin-1")

    @property
    def media_type_header(self) -> str:
        """The client's whole Content-Type, parameters included ("" when absent)."""
        value = self._content_type
        return "" if value is None else value.decode("latin-1")

    @property
    def parsed_json(self) -> Any:
        """The body's JSON if it was already parsed (never reads or parses)."""
        return self._json

    @property
    def is_json(self) -> bool:
        """The client says the body is JSON: ``application/json`` or a ``+json`` type."""
        value = self._content_type
        if value is None:
            return False
        media = value.split(b";", 1)[0].strip().lower()
        return media == b"application/json" or media.endswith(b"+json")

    @property
    def has_body(self) -> bool:
        """The client sends a body: a Content-Length other than 0, or a chunked one."""
        return self._has_body

    @property
    def content_encoded(self) -> bool:
        """The client says its body is compressed (a ``Content-Encoding`` other than
        ``identity``)."""
        return self._content_encoded

    @property
    def may_have_body(self) -> bool:
        """A body method with a body: what model routing and body checks look at."""
        return self.method in BODY_METHODS and self.has_body

    # -- request body ---------------------------------------------------------------------

    async def body(self) -> bytes:
        """The whole request body, read once (bounded by ``max_body``) and cached."""
        if self._json_dirty:
            self._body = dumps_kept(self._json)
            self._json_dirty = False
        if self._body is None:
            if self._body_stream is None and not self._body_consumed:
                self._body = await self._read_body()
            else:
                self._body = await self._collect(self.body_stream())
            self._body_stream = None
            self.body_complete = True
        return self._body

    async def _read_body(self) -> bytes:
        """The client's body straight from ``receive``: no generator in between, since
        nearly every request body arrives whole in its first message."""
        self._body_consumed = True
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(self.max_body)
            if not message.get("more_body", False):
                if not chunks:
                    return bytes(chunk)
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)

    async def _collect(self, stream: AsyncIterator[bytes]) -> bytes:
        chunks = []
        size = 0
        async for chunk in stream:
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(self.max_body)
            chunks.append(chunk)
        return b"".join(chunks)

    async def json(self) -> Any:
        """The body parsed as JSON (once); a 400 envelope when it is not JSON."""
        if self._json is None:
            raw = self._body
            if (
                raw is None
                and self._body_stream is None
                and not (self._json_dirty or self._body_consumed)
            ):
                # The common first read, straight from ``receive``: what ``body`` would do,
                # one coroutine fewer per JSON request.
                raw = self._body = await self._read_body()
                self.body_complete = True
            elif raw is None or self._json_dirty:
                raw = await self.body()
            try:
                self._json = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                raise PolicyError(
                    400, "invalid_request", "request body is not valid JSON"
                ) from None
        return self._json

    def set_json(self, value: Any) -> None:
        """Replace the body with ``value``; it is serialised once, when it is next needed."""
        self._json = value
        self._json_dirty = True

    def set_body(self, body: bytes) -> None:
        """Replace the raw body (the parsed JSON, if any, is dropped)."""
        self._body = body
        self._json = None
        self._json_dirty = False
        self._body_stream = None

    def set_body_stream(self, stream: AsyncIterator[bytes]) -> None:
        """Replace the body with a stream, e.g. a scanned upload replayed from its spool."""
        self._body = None
        self._json = None
        self._json_dirty = False
        self._body_stream = stream

    @property
    def body_loaded(self) -> bool:
        return self._body is not None or self._json_dirty

    def body_stream(self) -> AsyncIterator[bytes]:
        """The body as chunks: the cached bytes, a replacement stream, or the client's stream."""
        if self._json_dirty:
            return _once(dumps_kept(self._json))
        if self._body is not None:
            return _once(self._body)
        if self._body_stream is not None:
            stream, self._body_stream = self._body_stream, None
            return stream
        if self._body_consumed:
            raise RuntimeError("the request body stream was already consumed")
        self._body_consumed = True
        return self._receive_body()

    @property
    def receive_idle(self) -> bool:
        """True when nothing else will read ``receive``: a disconnect watcher may take it."""
        return self.body_complete or not self._body_consumed

    async def _receive_body(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                self.body_complete = True
                return

    # -- plugin data ------------------------------------------------------------------------

    @overload
    def state_for(self, plugin: object) -> dict[str, Any]: ...

    @overload
    def state_for(self, plugin: object, make: Callable[[], S]) -> S: ...

    def state_for(self, plugin: object, make: Callable[[], Any] = dict) -> Any:
        """Private per-request state of one plugin instance: ``make()`` on first use, then the
        same object for the rest of the exchange. Give it the plugin's own dataclass
        (``ex.state_for(self, CacheState)``) and mypy checks every field; without ``make`` it
        is a plain dict, for quick plugins."""
        if self._plugin_state is None:
            self._plugin_state = {}
        found = self._plugin_state.get(id(plugin))
        if found is None:
            found = self._plugin_state[id(plugin)] = make()
        return found

    def has_state(self, plugin: object) -> bool:
        """True once ``state_for(plugin, ...)`` was called on this exchange."""
        return self._plugin_state is not None and id(plugin) in self._plugin_state

    def record_event(
        self, type: str, plugin: str, reason: str, *, monitored: bool = False, **detail: Any
    ) -> SecurityEvent:
        """Note a security event; the gateway logs and counts it when the exchange completes."""
        event = SecurityEvent(type, plugin, reason, detail, monitored)
        self.events.append(event)
        return event

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started_at


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class ClientDisconnected(Exception):
    """The client went away; nothing more can be sent to it."""
