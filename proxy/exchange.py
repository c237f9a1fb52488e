"""Exchange: one request/response in flight, and the data plugins share through it.

Plugins never import each other; what one learns (who is calling, how many tokens were
used, what looked malicious) it writes to a documented field here for the next to read:
``identity``, ``usage`` and ``events`` (their types: ``proxy.records``).
``state_for(plugin, make)`` is a plugin's private, typed per-request state.

The facts about the request that the core and every plugin ask about (has it a body, is it
JSON, is it compressed) are decided here once, in one pass over the client's headers. The
body itself (read once, parsed once, lazily) is ``proxy.requestbody``, which this class is
built on; the header class is ``proxy.headers``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from starlette.datastructures import MutableHeaders

from proxy.forward import client_headers
from proxy.headers import Headers
from proxy.records import Identity, SecurityEvent, Usage
from proxy.requestbody import BodyTooLarge, ClientDisconnected, RequestBody

if TYPE_CHECKING:
    from proxy.observe.tracing import RequestTrace

__all__ = [
    "BODY_METHODS",
    "BodyTooLarge",
    "ClientDisconnected",
    "Exchange",
    "Headers",
    "Identity",
    "SecurityEvent",
    "Usage",
]

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


class Exchange(RequestBody):
    """One request and its response as they travel through the chain and the upstream."""

    __slots__ = (
        "_content_encoded",
        "_content_type",
        "_has_body",
        "_plugin_state",
        "attempts",
        "chain_depth",
        "client_ip",
        "events",
        "first_byte_at",
        "identity",
        "method",
        "model",
        "path",
        "query_string",
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
        RequestBody.__init__(self, receive, max_body)
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: bytes = scope.get("query_string", b"")
        # One pass over the client's headers for every fact the core asks about them (and
        # the Connection list only when there is one): each used to be its own loop.
        raw = scope["headers"]
        content_type: bytes | None = None
        has_body: bool | None = None
        encoded = connection = chunked = False
        for key, value in raw:
            if key in _FACT_HEADERS:
                if key == b"content-type":
                    if content_type is None:
                        content_type = value
                elif key == b"content-length":
                    if has_body is None:
                        has_body = value.strip() != b"0"
                        if value.isdigit():
                            self.declared_length = int(value)
                elif key == b"transfer-encoding":
                    chunked = True
                    if has_body is None:
                        has_body = True
                elif key == b"content-encoding":
                    encoded = encoded or value.strip().lower() not in (b"", b"identity")
                else:
                    connection = True
        if chunked:  # RFC 9112 6.1: the body is framed by its chunks, not by a length
            self.declared_length = -1
        self._content_type = content_type
        self._has_body = bool(has_body)
        self._content_encoded = encoded
        self.request_headers: MutableHeaders = Headers(
            raw=client_headers(raw) if connection else list(raw)
        )
        self.client_ip = client_ip
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
