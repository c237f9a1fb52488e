"""The hot path's fast paths give exactly what the plain rules give (issue 15).

Each fast path of the request path — the already-canonical request target, the path that
needs no escaping on the wire, the one pass over the client's headers, the one pass over the
provider's — is checked against the straightforward rule it replaced, written out here as
the reference, on random input that hypothesis steers toward the names and values the rules
care about (case variants, repeated lines, junk). A fast path that ever disagreed would be a
way around a rule, so these are security tests as much as speed tests.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import MutableHeaders

from proxy.exchange import Exchange
from proxy.forward import (
    _NOT_FORWARDED_UP,
    _PROVIDER_ONLY,
    HOP_BY_HOP,
    ProviderHeaders,
    _connection_listed,
    _private_cache_control,
    upstream_headers,
)
from proxy.headers import Headers
from proxy.requesttarget import _SAFE, InvalidPath, _slow, canonical_path, quote_path
from proxy.upstream.retry import parse_retry_after

EXAMPLES = settings(max_examples=200, deadline=None, database=None)

_PATH_BYTES = st.sampled_from(
    [b"/", b"/v1", b"/chat", b".", b"..", b"%2e", b"%2F", b"%41", b"%", b"#", b"%3F", b";", b"\\"]
    + [bytes([c]) for c in range(0x20, 0x7F) if c != ord("?")]  # "?" starts the query
    + [b"\x00", b"\x7f", b"\xc3\xa9", b"%c3%a9", b"%ff"]
)
raw_paths = st.lists(_PATH_BYTES, max_size=12).map(lambda parts: b"/" + b"".join(parts))

_NAMES = [
    b"host",
    b"Host",
    b"content-type",
    b"Content-Type",
    b"content-length",
    b"transfer-encoding",
    b"content-encoding",
    b"connection",
    b"Connection",
    b"keep-alive",
    b"x-forwarded-for",
    b"forwarded",
    b"authorization",
    b"accept-encoding",
    b"x-user",
    b"x-request-id",
    b"date",
    b"cache-control",
    b"retry-after",
    b"set-cookie",
    b"Location",
    b"access-control-allow-origin",
    b"Access-Control-Max-Age",
    b"upgrade",
    b"x-custom",
    b"traceparent",
    b"TraceState",
]
_VALUES = [
    b"",
    b"0",
    b" 0 ",
    b"12",
    b"chunked",
    b"gzip",
    b" Identity ",
    b"identity",
    b"application/json",
    b"Application/JSON; charset=utf-8",
    b"application/vnd.api+json",
    b"text/event-stream",
    b"Text/Event-Stream; charset=utf-8",
    b"keep-alive",
    b"Keep-Alive",
    b"close",
    b"x-user, x-request-id",
    b"x-custom,  X-User",
    b"public, max-age=60",
    b"s-maxage=5, private",
    b"120",
    b"1e300",
    b"Wed, 21 Oct 2015 07:28:00 GMT",
]
# Header names are tokens (RFC 9110 5.6.2: ASCII); servers refuse anything else.
_TOKEN = st.text("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
names = st.one_of(st.sampled_from(_NAMES), _TOKEN.filter(bool).map(str.encode))
values = st.one_of(st.sampled_from(_VALUES), st.binary(max_size=12))
raw_headers = st.lists(st.tuples(names, values), max_size=10)


@EXAMPLES
@given(raw_paths)
def test_canonical_fast_path_agrees_with_the_full_rules(raw: bytes) -> None:
    expected: str | InvalidPath
    try:
        expected = _slow(raw)
    except InvalidPath as refused:
        expected = refused
    try:
        got: str | InvalidPath = canonical_path({"raw_path": raw + b"?q=1", "path": ""})
    except InvalidPath as refused:
        got = refused
    if isinstance(expected, InvalidPath):
        assert isinstance(got, InvalidPath), (raw, got)
    else:
        assert got == expected, raw


@EXAMPLES
@given(st.text(max_size=20))
def test_quote_path_fast_path_is_urllib_quote(path: str) -> None:
    assert quote_path(path) == quote(path, safe=_SAFE)


def _reference_facts(raw: list[tuple[bytes, bytes]]) -> tuple[str, str, bool, bool, bool]:
    """The per-property loops the exchange had before its one pass."""
    media = header = ""
    is_json = has_body = encoded = False
    for key, value in raw:
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower().decode("latin-1")
            header = value.decode("latin-1")
            lowered = value.split(b";", 1)[0].strip().lower()
            is_json = lowered == b"application/json" or lowered.endswith(b"+json")
            break
    for key, value in raw:
        if key == b"content-length":
            has_body = value.strip() != b"0"
            break
        if key == b"transfer-encoding":
            has_body = True
            break
    for key, value in raw:
        if key == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            encoded = True
    return media, header, is_json, has_body, encoded


def _reference_client_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    connection = [v.decode("latin-1") for k, v in raw if k == b"connection"]
    if not connection:
        return list(raw)
    listed = {name.encode("latin-1") for name in _connection_listed(connection)}
    return [(k, v) for k, v in raw if k not in listed]


def _exchange(raw: list[tuple[bytes, bytes]]) -> Exchange:
    scope: dict[str, Any] = {"method": "POST", "path": "/v1/x", "headers": raw}
    return Exchange(scope, None)


@EXAMPLES
@given(raw_headers)
def test_exchange_reads_the_client_headers_as_the_plain_loops_did(
    raw: list[tuple[bytes, bytes]],
) -> None:
    ex = _exchange(raw)
    got = (ex.media_type, ex.media_type_header, ex.is_json, ex.has_body, ex.content_encoded)
    assert got == _reference_facts(raw)
    assert ex.request_headers.raw == _reference_client_headers(raw)


_NOT_UP = _NOT_FORWARDED_UP


def _reference_upstream(raw: list[tuple[bytes, bytes]], forwarded: str | None) -> list[Any]:
    headers = []
    host = ""
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name == "host":
            host = value.decode("latin-1")
        if name not in _NOT_UP:
            headers.append((name, value.decode("latin-1")))
    headers.append(("accept-encoding", "identity"))
    headers.append(("x-forwarded-for", f"{forwarded}, 10.0.0.1" if forwarded else "10.0.0.1"))
    headers.append(("x-forwarded-proto", "http"))
    if host:
        headers.append(("x-forwarded-host", host))
    return headers


@EXAMPLES
@given(raw_headers, st.sampled_from([None, "", "192.0.2.7"]))
def test_upstream_headers_match_the_plain_rules(
    raw: list[tuple[bytes, bytes]], forwarded: str | None
) -> None:
    got, propagation = upstream_headers(
        raw, peer="10.0.0.1", scheme="http", forwarded_for=forwarded
    )
    assert got == _reference_upstream(raw, forwarded)
    # The flag a tracer trusts instead of looking: true exactly when one is forwarded.
    assert propagation == any(name in ("traceparent", "tracestate") for name, _ in got)


@EXAMPLES
@given(st.lists(st.tuples(st.binary(min_size=1, max_size=8), values), max_size=6))
def test_no_name_outside_ascii_reaches_the_provider_as_a_dropped_one(
    raw: list[tuple[bytes, bytes]],
) -> None:
    """Not tokens at all: only ASCII case is folded, so the dropped names still never pass."""
    got = upstream_headers(raw, peer="10.0.0.1", scheme="http", forwarded_for=None).headers
    client_part = got[:-3] if got[-1][0] != "x-forwarded-host" else got[:-4]
    assert not {name.lower() for name, _ in client_part} & _NOT_UP


_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)


def _reference_downstream(
    raw: list[tuple[bytes, bytes]], keep_length: bool
) -> tuple[list[tuple[bytes, bytes]], bool, bool]:
    drop = _HOP_BYTES | {b"date"} | (set() if keep_length else {b"content-length"})
    out = []
    connection = []
    for key, value in raw:
        lower = key.lower()
        if lower in drop:
            if lower == b"connection":
                connection.append(value.decode("latin-1"))
            continue
        if lower in _PROVIDER_ONLY or lower.startswith(b"access-control-"):
            continue
        if lower == b"cache-control":
            kept = _private_cache_control(value)
            if kept:
                out.append((lower, kept))
        elif lower == b"retry-after":
            seconds = parse_retry_after(value.decode("latin-1"))
            if seconds is not None:
                out.append((lower, str(math.ceil(seconds)).encode()))
        else:
            out.append((lower, value))
    if connection:
        listed = {name.encode() for name in _connection_listed(connection)} - _HOP_BYTES
        if listed:
            out = [(k, v) for k, v in out if k not in listed]
    encoded = any(
        k.lower() == b"content-encoding" and v.strip().lower() not in (b"", b"identity")
        for k, v in raw
    )
    stream = next(
        (
            v.lower().startswith(b"text/event-stream")
            for k, v in raw
            if k.lower() == b"content-type"
        ),
        False,
    )
    return out, encoded, stream


@EXAMPLES
@given(raw_headers, st.booleans())
def test_provider_headers_match_the_plain_rules(
    raw: list[tuple[bytes, bytes]], keep_length: bool
) -> None:
    got = ProviderHeaders(raw, keep_length)
    assert (got.headers, got.encoded, got.event_stream) == _reference_downstream(raw, keep_length)


@EXAMPLES
@given(raw_headers, st.sampled_from(["x-request-id", "Content-Type", "host", "x-custom"]))
def test_headers_get_is_starlettes_without_the_keyerror(
    raw: list[tuple[bytes, bytes]], name: str
) -> None:
    ours = Headers(raw=[(k.lower(), v) for k, v in raw])
    theirs = MutableHeaders(raw=[(k.lower(), v) for k, v in raw])
    assert ours.get(name) == theirs.get(name)
    assert ours.get(name, "fallback") == theirs.get(name, "fallback")


@EXAMPLES
@given(
    raw_headers,
    st.sampled_from(["x-request-id", "Content-Type", "host", "x-custom", "Connection"]),
    st.sampled_from(["", "abc", "application/json"]),
)
def test_headers_set_is_starlettes_in_one_pass(
    raw: list[tuple[bytes, bytes]], name: str, value: str
) -> None:
    ours = Headers(raw=[(k.lower(), v) for k, v in raw])
    theirs = MutableHeaders(raw=[(k.lower(), v) for k, v in raw])
    ours[name] = value
    theirs[name] = value
    assert ours.raw == theirs.raw
