"""Header rules for forwarding: hop-by-hop stripping both ways, X-Forwarded-*, credentials.

RFC 9110 section 7.6.1: hop-by-hop fields, and any field the Connection header names, belong
to one connection and must not be forwarded. The client's credentials — ``Authorization``,
and the ``x-api-key`` and ``api-key`` headers the Anthropic and Azure SDKs send — are the
gateway's business: each provider kind sends its own, and a caller's key never reaches a
provider (not even one of another kind, after a failover).
"""

from __future__ import annotations

from collections.abc import Iterable

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
}
_HOP_BY_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)


def _connection_listed(values: Iterable[str]) -> set[str]:
    listed: set[str] = set()
    for value in values:
        listed.update(token.strip().lower() for token in value.split(",") if token.strip())
    return listed


def upstream_headers(
    raw: list[tuple[bytes, bytes]],
    *,
    peer: str,
    scheme: str,
    forwarded_for: str | None,
    drop_accept_encoding: bool = False,
) -> list[tuple[str, str]]:
    """The client's headers as the provider should see them (without provider credentials).

    ``forwarded_for`` is the client's X-Forwarded-For when the peer is a trusted proxy (the
    peer is appended to it), or None to start a fresh chain with the peer's address.
    """
    drop = _NOT_FORWARDED_UP
    connection = [v.decode("latin-1") for k, v in raw if k == b"connection"]
    if connection:
        drop = drop | _connection_listed(connection)
    if drop_accept_encoding:
        drop = drop | {"accept-encoding"}
    headers = []
    host = ""
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name == "host":
            host = value.decode("latin-1")
        if name not in drop:
            headers.append((name, value.decode("latin-1")))
    headers.append(("x-forwarded-for", f"{forwarded_for}, {peer}" if forwarded_for else peer))
    headers.append(("x-forwarded-proto", scheme))
    if host:
        headers.append(("x-forwarded-host", host))
    return headers


def downstream_headers(
    raw: list[tuple[bytes, bytes]], keep_length: bool
) -> list[tuple[bytes, bytes]]:
    """The provider's response headers as the client should see them.

    ``date`` is dropped too: the server adds its own, and two Date headers confuse caches.
    """
    drop = _DOWNSTREAM_DROP if keep_length else _DOWNSTREAM_DROP_WITH_LENGTH
    out = []
    connection = []
    for key, value in raw:
        lower = key.lower()
        if lower not in drop:
            out.append((lower, value))
        elif lower == b"connection":
            connection.append(value.decode("latin-1"))
    if connection:
        listed = {name.encode() for name in _connection_listed(connection)} - _HOP_BY_HOP_BYTES
        if listed:  # "Connection: keep-alive" names nothing that is still there
            out = [(k, v) for k, v in out if k not in listed]
    return out


_DOWNSTREAM_DROP = _HOP_BY_HOP_BYTES | {b"date"}
_DOWNSTREAM_DROP_WITH_LENGTH = _DOWNSTREAM_DROP | {b"content-length"}
