"""Header rules for forwarding: hop-by-hop stripping both ways, X-Forwarded-*, credentials.

RFC 9110 section 7.6.1: hop-by-hop fields, and any field the Connection header names, belong
to one connection and must not be forwarded. The client's credentials — ``Authorization``,
and the ``x-api-key`` and ``api-key`` headers the Anthropic and Azure SDKs send — are the
gateway's business: each provider kind sends its own, and a caller's key never reaches a
provider (not even one of another kind, after a failover).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from proxy.upstream.retry import parse_retry_after

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Never forwarded upstream: recomputed by the client library or replaced by the gateway.
_NOT_FORWARDED_UP = HOP_BY_HOP | {
    "host",
    "content-length",
    "authorization",
    "x-api-key",
    "api-key",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
    "expect",
    "accept-encoding",
}
_HOP_BY_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)
_NOT_FORWARDED_UP_BYTES = frozenset(name.encode() for name in _NOT_FORWARDED_UP)
# W3C trace context: forwarded like any header, but noted (``UpstreamHeaders.propagation``):
# a tracer replaces them with its own, and need not look for them when none was there.
PROPAGATION = frozenset({"traceparent", "tracestate"})
_PROPAGATION_BYTES = frozenset(name.encode() for name in PROPAGATION)
_LOOKED_AT_UP = _NOT_FORWARDED_UP_BYTES | _PROPAGATION_BYTES
# A Connection value that names no header but the hop-by-hop ones, already dropped.
_NAMES_NOTHING = frozenset({b"keep-alive"})


def _connection_listed(values: Iterable[str]) -> set[str]:
    listed: set[str] = set()
    for value in values:
        listed.update(token.strip().lower() for token in value.split(",") if token.strip())
    return listed


def client_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The client's headers as the gateway keeps them: without the fields its Connection
    header names (RFC 9110 7.6.1: removed on receipt).

    Done once, when the exchange starts, so ``Connection: x-user, x-request-id`` removes only
    what the client sent, never a header a plugin adds later (issue 17, L1).
    """
    connection = [v.decode("latin-1") for k, v in raw if k == b"connection"]
    if not connection:
        return list(raw)
    listed = {name.encode("latin-1") for name in _connection_listed(connection)}
    return [(k, v) for k, v in raw if k not in listed]


class UpstreamHeaders(NamedTuple):
    headers: list[tuple[str, str]]
    """Lower-case names, latin-1 values."""
    propagation: bool
    """Whether ``headers`` hold a ``traceparent`` or ``tracestate`` (the client's, or a
    plugin's): found in the same pass, so a tracer need not search for them."""


def upstream_headers(
    raw: list[tuple[bytes, bytes]],
    *,
    peer: str,
    scheme: str,
    forwarded_for: str | None,
) -> UpstreamHeaders:
    """The exchange's headers as the provider should see them (without provider credentials).

    ``forwarded_for`` is the client's X-Forwarded-For when the peer is a trusted proxy (the
    peer is appended to it), or None to start a fresh chain with the peer's address.

    The client's ``Accept-Encoding`` never goes upstream; the gateway asks for ``identity``
    on every route, so every answer can be metered and filtered (issue 17, H3: httpx and
    the OpenAI SDK send ``gzip`` by default, and a gzip body hid its usage from budgets).
    """
    headers = []
    host = b""
    propagation = False
    for key, value in raw:
        name = key.lower()  # ASGI servers send lower case; one that did not must not slip by
        if name in _LOOKED_AT_UP:  # one set lookup a header, as before the propagation names
            if name in _PROPAGATION_BYTES:
                propagation = True
            else:
                if name == b"host":
                    host = value
                continue
        headers.append((name.decode("latin-1"), value.decode("latin-1")))
    headers.append(("accept-encoding", "identity"))
    headers.append(("x-forwarded-for", f"{forwarded_for}, {peer}" if forwarded_for else peer))
    headers.append(("x-forwarded-proto", scheme))
    if host:
        headers.append(("x-forwarded-host", host.decode("latin-1")))
    return UpstreamHeaders(headers, propagation)


class ProviderHeaders:
    """The provider's response headers as the client (and the cache) should see them, and
    the two facts the core reads from them — found in one pass (each was its own loop).

    ``date`` is dropped too: the server adds its own, and two Date headers confuse caches.
    The provider is another origin, so what would act on the gateway's origin is decided per
    header (issue 17, L3; docs/security.md "Provider responses"): see ``_PROVIDER_ONLY``;
    ``Cache-Control`` loses ``public`` and ``s-maxage`` (answers are per caller: no shared
    cache between client and gateway may keep them); ``Retry-After`` is parsed and capped.
    """

    __slots__ = ("encoded", "event_stream", "headers")

    def __init__(self, raw: list[tuple[bytes, bytes]], keep_length: bool) -> None:
        actions = _DOWNSTREAM if keep_length else _DOWNSTREAM_WITHOUT_LENGTH
        out = []
        connection = []
        content_type: bytes | None = None
        encoded = False
        for key, value in raw:
            lower = key.lower()
            action = actions.get(lower)
            if action is None:
                if not lower.startswith(b"access-control-"):
                    out.append((lower, value))
                continue
            if action is _KEEP_TYPE:
                if content_type is None:
                    content_type = value
                out.append((lower, value))
            elif action is _KEEP_ENCODING:
                encoded = encoded or value.strip().lower() not in (b"", b"identity")
                out.append((lower, value))
            elif action is _CONNECTION:
                if value.lower() not in _NAMES_NOTHING:
                    connection.append(value.decode("latin-1"))
            elif action is _CACHE_CONTROL:
                kept = _private_cache_control(value)
                if kept:
                    out.append((lower, kept))
            elif action is _RETRY_AFTER:
                seconds = parse_retry_after(value.decode("latin-1"))
                if seconds is not None:
                    out.append((lower, str(math.ceil(seconds)).encode()))
            # else: _DROP
        if connection:
            listed = {name.encode() for name in _connection_listed(connection)} - _HOP_BY_HOP_BYTES
            if listed:  # "Connection: keep-alive" names nothing that is still there
                out = [(k, v) for k, v in out if k not in listed]
        self.headers = out
        self.encoded = encoded
        self.event_stream = content_type is not None and content_type.lower().startswith(
            b"text/event-stream"
        )


def _private_cache_control(value: bytes) -> bytes:
    kept = []
    for directive in value.split(b","):
        name = directive.split(b"=", 1)[0].strip().lower()
        if name and name not in (b"public", b"s-maxage"):
            kept.append(directive.strip())
    return b", ".join(kept)


# Provider response headers that never reach a client or the cache: each would let the
# provider act on the gateway's origin. Access-Control-* (any) is dropped too: CORS is the
# cors plugin's decision, made for the gateway's origin.
_PROVIDER_ONLY = frozenset(
    {
        b"set-cookie",  # a cookie for the gateway's origin, shared by every caller via cache
        b"set-cookie2",
        b"location",  # sends clients elsewhere; the gateway follows no redirects itself
        b"content-location",
        b"refresh",
        b"link",  # preload/prefetch of other origins
        b"strict-transport-security",  # the provider's transport policy is not the gateway's
        b"alt-svc",  # would advertise the provider's endpoints as the gateway's
        b"clear-site-data",
    }
)

# What ``ProviderHeaders`` does with each response header it must look at (one dict lookup a
# header); any other header is kept, but ``access-control-*``.
_DROP, _CONNECTION, _CACHE_CONTROL, _RETRY_AFTER, _KEEP_TYPE, _KEEP_ENCODING = (
    object() for _ in range(6)
)
_DOWNSTREAM: dict[bytes, object] = {
    **dict.fromkeys(_HOP_BY_HOP_BYTES | {b"date"} | _PROVIDER_ONLY, _DROP),
    b"connection": _CONNECTION,
    b"cache-control": _CACHE_CONTROL,
    b"retry-after": _RETRY_AFTER,
    b"content-type": _KEEP_TYPE,
    b"content-encoding": _KEEP_ENCODING,
}
_DOWNSTREAM_WITHOUT_LENGTH = {**_DOWNSTREAM, b"content-length": _DROP}
