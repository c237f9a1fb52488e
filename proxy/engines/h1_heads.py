"""HTTP/1.1 response heads for the httptools protocol (``proxy.engines.h1``): h11's bytes,
framing and refusals, in one join.

h11 builds a response head in several passes — its two expressions per header, the framing
rewrite (``set_comma_header`` re-normalising the whole list), a write call per header — and
the protocol here answers with exactly the bytes h11 wrote: the status line without a
reason phrase, the headers as the app named them, ``Transfer-Encoding: chunked`` or
``Connection: close`` appended in h11's spelling where h11 appended them.

An ordinary head — every header valid (``valid_headers``, a few C calls), at most one plain
``Content-Length``, no ``Transfer-Encoding``, ``Connection`` or ``Host`` of the app's — is
joined at once. Any other head goes through h11's own code (``h11.Response``'s validation,
``_body_framing``, ``set_comma_header``, ``write_any_response``), so a header h11 refuses
is refused with h11's error and an unusual one is rewritten as h11 rewrote it.
``tests/proxy/engines/test_h1_heads.py`` holds both paths to h11's bytes.
"""

from __future__ import annotations

import h11
from h11._connection import _body_framing
from h11._headers import get_comma_header
from h11._writers import write_any_response

from proxy.engines.h11_heads import plain_length, response, set_comma_header, valid_headers

# The body framing of a response, besides a length: chunked, or until the connection closes
# (an HTTP/1.0 client, no Content-Length).
CHUNKED = -1
UNTIL_CLOSE = -2

_BODYLESS = frozenset((204, 304))
_RARE = (b"transfer-encoding", b"connection", b"host")
_CHUNKED_LINE = b"Transfer-Encoding: chunked\r\n"
_CLOSE_LINE = b"Connection: close\r\n"


def response_head(
    status: int,
    headers: list[tuple[bytes, bytes]],
    method: bytes | None,
    http_10: bool,
    keep_alive: bool,
) -> tuple[bytes, int, bool]:
    """(the head's bytes, the body's framing: a length, ``CHUNKED`` or ``UNTIL_CLOSE``,
    whether the connection closes after this response) for a final response to a request
    made with ``method`` (None: no request was read) over HTTP/1.0 (``http_10``) or 1.1,
    whose connection is still ``keep_alive``. Raises ``h11.LocalProtocolError`` for a head
    h11 refuses, before anything is decided."""
    names, values = zip(*headers, strict=True) if headers else ((), ())
    try:
        lowered = list(map(bytes.lower, names)) if valid_headers(names, values) else None
    except TypeError:  # not bytes: h11's own code converts or refuses
        lowered = None
    if lowered is None or any(name in lowered for name in _RARE):
        return _h11_head(status, headers, method, http_10, keep_alive)
    if not plain_length(lowered, values):
        return _h11_head(status, headers, method, http_10, keep_alive)
    has_length = b"content-length" in lowered
    head = [b"HTTP/1.1 %d \r\n" % status, b"\r\n".join(map(b": ".join, headers)), b"\r\n"]
    close = not keep_alive
    bodyless = status in _BODYLESS or method == b"HEAD"
    if method == b"CONNECT" and 200 <= status < 300:
        bodyless = True
        framing = 0
    elif status in _BODYLESS or has_length:
        framing = int(values[lowered.index(b"content-length")]) if has_length else 0
    elif http_10:
        framing = UNTIL_CLOSE
        close = close or method != b"HEAD"
    else:
        framing = CHUNKED
        head.append(_CHUNKED_LINE)
    if close:
        head.append(_CLOSE_LINE)
    head.append(b"\r\n")
    return b"".join(head), 0 if bodyless else framing, close


def _h11_head(
    status: int,
    headers: list[tuple[bytes, bytes]],
    method: bytes | None,
    http_10: bool,
    keep_alive: bool,
) -> tuple[bytes, int, bool]:
    """``response_head`` by h11's code: ``Connection._clean_up_response_headers_for_sending``
    and the writer, for the heads the fast path leaves to it."""
    validated = response(status, headers).headers
    choose = b"GET" if method == b"HEAD" else method
    framing, _ = _body_framing(choose or b"", h11.Response(status_code=status, headers=validated))
    need_close = False
    if framing in ("chunked", "http/1.0"):
        validated = set_comma_header(validated, b"content-length", [])
        if http_10:
            validated = set_comma_header(validated, b"transfer-encoding", [])
            need_close = method != b"HEAD"
        else:
            validated = set_comma_header(validated, b"transfer-encoding", [b"chunked"])
    if not keep_alive or need_close:
        tokens = set(get_comma_header(validated, b"connection"))
        tokens.discard(b"keep-alive")
        tokens.add(b"close")
        validated = set_comma_header(validated, b"connection", sorted(tokens))
    final = h11.Response(status_code=status, headers=validated, reason=b"")
    out: list[bytes] = []
    write_any_response(final, out.append)
    kind, args = _body_framing(method or b"", final)
    body = args[0] if kind == "content-length" and args else CHUNKED
    if kind == "http/1.0":
        body = UNTIL_CLOSE
    close = (
        need_close or not keep_alive or b"close" in get_comma_header(final.headers, b"connection")
    )
    return b"".join(out), body, close


def informational_head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    """An informational (1xx) head as h11 writes it, validated by h11 (a rare path)."""
    out: list[bytes] = []
    write_any_response(h11.InformationalResponse(status_code=status, headers=headers), out.append)
    return b"".join(out)
