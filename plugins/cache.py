"""cache: answer repeated deterministic AI requests, and cacheable GETs, from a stored copy.

Repeating a deterministic prompt is paying twice for the same bytes. This cache is safe by
default: it stores only what cannot differ between calls (``temperature = 0``, embeddings —
or a client that opts in with ``X-Cache-Allow: 1``), keeps one cache per caller unless the
operator says ``shared = true``, never stores an error, and honours the client's and the
provider's ``Cache-Control``. Concurrent identical misses are coalesced through the state
store, so a burst of 50 costs one upstream call. A hit is byte-identical to the response it
copies; an SSE hit is replayed as a stream.

Place it after authentication (the scope is the caller's identity) and after rate limits
(a hit still counts against them), and before plugins that should only run on real upstream
calls (token limits, budgets): the request phase stops at a hit.

Backends: ``memory`` is a byte-bounded LRU in this process, kept across reloads for as long
as this plugin keeps its place and its options (``services.keep``; an edited cache config
starts empty), ``store`` is ``services.store`` (with ``[state] backend = "redis"``, shared by
every instance). ``auto`` picks ``store`` when the state backend is redis.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import Field, field_validator, model_validator
from starlette.responses import Response, StreamingResponse

from plugins._cache.backend import PREFIX, Backend, MemoryBackend, StoreBackend
from plugins._cache.entry import Entry, replay, sse_events, storable_headers
from plugins._cache.http import request_rule, response_ttl, vary_names
from plugins._cache.key import get_key, is_deterministic, request_key
from proxy.config.types import ByteSize, Duration
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.state import Lease, StateUnavailable


@dataclass(slots=True)
class CacheState:
    """What one request's cache decision carries from the request to the response phase."""

    kind: Literal["", "ai", "get"] = ""
    key: str = ""
    lock: str = ""  # the key coalescing locks on (a GET's variants share one)
    model: str | None = None
    state: Literal["hit", "miss", "bypass", "refresh"] | None = None
    lease: Lease | None = None
    vary: list[str] | None = None
    ttl: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    parts: list[bytes] | None = None  # the body being captured; None: not stored
    size: int = 0


class Cache(Plugin):
    name = "cache"
    needs_request_body = True
    uses_shared_state = True

    class Options(PluginOptions):
        ttl: Duration = Field(300.0, description="How long an AI response is served (default 5m).")
        shared: bool = Field(
            False, description="One cache for every caller; default: one per identity."
        )
        scope: Literal["subject", "key"] = Field(
            "subject", description="Per-identity scope: the identity's subject or its key id."
        )
        deterministic_only: bool = Field(
            True, description="Store only temperature-0 completions and embeddings (default)."
        )
        allow_header: str = Field(
            "X-Cache-Allow", description='Header whose value "1" opts a request in anyway.'
        )
        paths: list[str] = Field(
            ["/chat/completions", "/completions", "/embeddings", "/messages", "/responses"],
            description="Path suffixes of POST endpoints that are cached.",
        )
        key_fields: list[str] | None = Field(
            None, description="Body fields that form the key; default: all but ignore_fields."
        )
        ignore_fields: list[str] = Field(
            ["user"], description="Body fields that never change the output (default: user)."
        )
        cache_get: bool = Field(
            True, description="Cache GET responses per their Cache-Control and Vary."
        )
        backend: Literal["auto", "memory", "store"] = Field(
            "auto", description="memory (in-process LRU), store (state store), auto (default)."
        )
        max_bytes: ByteSize = Field(
            64 * 1024 * 1024, description="Memory backend bound (default 64MiB)."
        )
        max_entry_bytes: ByteSize = Field(
            1024 * 1024, description="Largest response stored (default 1MiB)."
        )
        coalesce: bool = Field(True, description="Concurrent identical misses make one call.")
        coalesce_wait: Duration = Field(
            30.0, description="How long a coalesced request waits for the first (default 30s)."
        )
        lock_ttl: Duration = Field(
            120.0, description="Longest a crashed first request can hold the others (120s)."
        )

        @field_validator("ttl", "coalesce_wait", "lock_ttl")
        @classmethod
        def _positive(cls, value: float) -> float:
            if value <= 0:
                raise ValueError("must be a positive duration")
            return value

        @field_validator("paths")
        @classmethod
        def _paths(cls, value: list[str]) -> list[str]:
            for path in value:
                if not path.startswith("/"):
                    raise ValueError(f"path suffix {path!r} must start with '/'")
            return value

        @model_validator(mode="after")
        def _consistent(self) -> Cache.Options:
            if self.max_entry_bytes > self.max_bytes:
                raise ValueError("max_entry_bytes must not exceed max_bytes")
            if self.key_fields is not None and "ignore_fields" in self.model_fields_set:
                raise ValueError("set key_fields or ignore_fields, not both")
            if self.key_fields is not None and "model" not in self.key_fields:
                raise ValueError('key_fields must include "model"')
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._paths = tuple(options.paths)
        self._allow = options.allow_header.lower()
        self._fields = frozenset(options.key_fields) if options.key_fields is not None else None
        self._ignored = frozenset(options.ignore_fields)
        use_memory = options.backend == "memory" or (
            options.backend == "auto" and not services.store.shared
        )
        self.backend: Backend = (
            services.keep(
                "memory-lru:" + options.model_dump_json(),
                lambda: MemoryBackend(options.max_bytes, services.clock),
            )
            if use_memory
            else StoreBackend(services.store)
        )
        m = services.metrics
        self._lookups = m.counter(
            "sluicegate_cache_lookups",
            "Cache lookups by result: hit, miss or bypass.",
            ["route", "result"],
        )
        self._bypasses = m.counter(
            "sluicegate_cache_bypasses",
            "Requests the cache stepped aside for, by reason.",
            ["route", "reason"],
        )
        self._saved = m.counter(
            "sluicegate_cache_bytes_saved", "Response bytes served from the cache.", ["route"]
        )
        self._stores = m.counter(
            "sluicegate_cache_stores", "Responses written to the cache.", ["route", "outcome"]
        )

    # -- request phase ----------------------------------------------------------------------

    async def on_request(self, ex: Exchange) -> Response | None:
        kind: Literal["ai", "get"]
        if ex.method == "POST" and ex.path.endswith(self._paths):
            kind = "ai"
        elif ex.method == "GET" and self.options.cache_get:
            kind = "get"
        else:
            return None
        st = ex.state_for(self, CacheState)
        rule = request_rule(
            ex.request_headers.get("cache-control"), ex.request_headers.get("pragma")
        )
        if not rule.store:
            self._bypass(ex, st, rule.reason or "no_store")
            return None
        scope = self._scope(ex)
        if scope is None:
            self._bypass(ex, st, "anonymous")
            return None
        st.kind = kind
        if kind == "ai":
            body = await ex.json()
            if not isinstance(body, dict):
                self._bypass(ex, st, "not_json")
                return None
            if (
                self.options.deterministic_only
                and not is_deterministic(ex.path, body)
                and ex.request_headers.get(self._allow) != "1"
            ):
                self._bypass(ex, st, "nondeterministic")
                return None
            st.key = st.lock = request_key(scope, ex.path, body, self._fields, self._ignored)
            model = body.get("model")
            st.model = model if isinstance(model, str) else None
        else:
            st.lock = get_key(scope, ex.path, ex.query_string)
            st.key = await self._variant_key(ex, st.lock, scope)
        if not rule.lookup:
            self._bypasses.labels(_route(ex), "no_cache").inc()
            st.state = "refresh"
            return None
        entry = await self._lookup(st.key)
        if entry is None and self.options.coalesce:
            entry = await self._coalesce(ex, st, scope)
        if entry is not None:
            return self._hit(ex, st, entry)
        self._lookups.labels(_route(ex), "miss").inc()
        st.state = "miss"
        return None

    def _scope(self, ex: Exchange) -> str | None:
        if self.options.shared:
            return "*"
        identity = ex.identity
        if identity is None:
            return None
        if self.options.scope == "key":
            return "k:" + (identity.key_id or identity.subject)
        return "s:" + identity.subject

    async def _variant_key(self, ex: Exchange, base: str, scope: str) -> str:
        """The GET key including the headers the stored response said it varies on."""
        raw = await self.backend.get("v:" + base)
        names = orjson.loads(raw) if raw else []
        if not names:
            return base
        values = {name: ex.request_headers.get(name, "") for name in names}
        return get_key(scope, ex.path, ex.query_string, values)

    async def _lookup(self, key: str) -> Entry | None:
        raw = await self.backend.get(key)
        return Entry.decode(raw) if raw is not None else None

    async def _coalesce(self, ex: Exchange, st: CacheState, scope: str) -> Entry | None:
        """Lead the upstream call for this key, or wait for the leader and read its result.

        When the leader fails (nothing was stored), one of its followers leads a second round
        while the rest wait again; after that round each follower goes upstream itself, so a
        failing provider never queues requests behind each other for long.
        """
        store = self.services.store
        lock = PREFIX + st.lock
        for _ in range(2):
            try:
                lease = await store.lead(lock, self.options.lock_ttl)
                if lease is not None:
                    st.lease = lease
                    return None
                await store.wait_released(lock, self.options.coalesce_wait)
            except StateUnavailable:
                return None
            if st.kind == "get":
                st.key = await self._variant_key(ex, st.lock, scope)
            entry = await self._lookup(st.key)
            if entry is not None:
                return entry
        return None

    def _hit(self, ex: Exchange, st: CacheState, entry: Entry) -> Response:
        st.state = "hit"
        if st.model:
            ex.model = st.model
        route = _route(ex)
        self._lookups.labels(route, "hit").inc()
        self._saved.labels(route).inc(len(entry.body))
        age = max(0, int(self.services.clock() - entry.stored_at))
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in entry.headers]
        headers += [(b"x-cache", b"HIT"), (b"age", str(age).encode())]
        response: Response
        if entry.streaming:
            response = StreamingResponse(replay(sse_events(entry.body)), entry.status)
        else:
            # No content-length: the chain's body filters run on this answer too, so the
            # pipeline sends it chunked, exactly as it sent the stored response.
            response = Response(entry.body, entry.status)
        response.raw_headers = headers
        return response

    def _bypass(self, ex: Exchange, st: CacheState, reason: str) -> None:
        st.state = "bypass"
        route = _route(ex)
        self._lookups.labels(route, "bypass").inc()
        self._bypasses.labels(route, reason).inc()

    # -- response phase ---------------------------------------------------------------------

    async def on_response(self, ex: Exchange) -> None:
        st = ex.state_for(self, CacheState)
        state = st.state
        if state is None or state == "hit":
            return
        ex.response_headers["x-cache"] = "MISS" if state == "miss" else "BYPASS"
        if state == "bypass" or ex.status != 200:
            return
        headers = ex.response_headers
        cache_control = headers.get("cache-control")
        if st.kind == "ai":
            ttl = response_ttl(
                cache_control, None, shared=self.options.shared, default=self.options.ttl
            )
        else:
            vary = headers.get("vary")
            ttl = response_ttl(cache_control, vary, shared=self.options.shared, default=None)
            st.vary = vary_names(vary)
        if ttl is None:
            self._stores.labels(_route(ex), "not_cacheable").inc()
            return
        st.ttl = ttl
        st.headers = storable_headers(headers.raw)
        st.parts = []
        st.size = 0

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        st = ex.state_for(self, CacheState)
        parts: list[bytes] | None = st.parts
        if parts is None:
            return chunk
        if chunk:
            st.size += len(chunk)
            if st.size > self.options.max_entry_bytes:
                st.parts = None
                self._stores.labels(_route(ex), "too_large").inc()
                return chunk
            parts.append(chunk)
        if end:
            st.parts = None
            await self._store(ex, st, b"".join(parts))
        return chunk

    async def _store(self, ex: Exchange, st: CacheState, body: bytes) -> None:
        entry = Entry(ex.status, st.headers, body, self.services.clock())
        ttl = st.ttl
        if st.kind == "get":
            names = st.vary or []
            await self.backend.set("v:" + st.lock, orjson.dumps(names), ttl)
            if names:
                values = {name: ex.request_headers.get(name, "") for name in names}
                st.key = get_key(self._scope(ex) or "*", ex.path, ex.query_string, values)
        stored = await self.backend.set(st.key, entry.encode(), ttl)
        self._stores.labels(_route(ex), "stored" if stored else "failed").inc()
        await self._release(st)

    async def on_complete(self, ex: Exchange) -> None:
        await self._release(ex.state_for(self, CacheState))

    async def _release(self, st: CacheState) -> None:
        lease, st.lease = st.lease, None
        if lease is not None:
            # A store that is down cannot release; the lock then expires after lock_ttl.
            with contextlib.suppress(StateUnavailable):
                await self.services.store.release(lease)

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "backend": self.backend.name,
            "ttl": self.options.ttl,
            "shared": self.options.shared,
            "deterministic_only": self.options.deterministic_only,
        }
        if isinstance(self.backend, MemoryBackend):
            lru = self.backend.lru
            info.update(
                entries=len(lru), bytes=lru.size, max_bytes=lru.max_bytes, evictions=lru.evictions
            )
        return info


def _route(ex: Exchange) -> str:
    return ex.route_name or "none"
