"""Response heads through h11 with every header validated once, in a few C calls.

Under Hypercorn every HTTP/1.1 response head goes through h11, which checks each header
with two regular expressions (a Python call and a match object each) when the
``h11.Response`` is built, and again for every header each time it rewrites the framing
headers of a streamed (chunked) or closing response (``set_comma_header`` validates the
whole list anew). Counted through sockets (``benchmarks.socket_ab --cachesim``), that made
each response header ~18,000 instructions: ``security_headers``' nine cost +164k per
request served against ~18k in process. Here: ``gateway-full`` 2,496,612 -> 2,372,359
instructions per request through sockets (0.95x), the core 0.98x
(``benchmarks/results/2026-12-07-020000-h11-heads-cachesim.txt``).

At import (``proxy.engines.hypercorn`` imports this module):

- Hypercorn's HTTP/1.1 protocol builds the ``h11.Response`` from headers checked against
  h11's own grammar (``field-name``, ``field-value``) in a few C calls over the joined names
  and values (``valid_headers``: names made of token bytes only, values without NUL, CR,
  LF, VT or FF and not starting or ending with SP or HTAB — exactly what h11's two
  expressions accept). Those headers reach h11 already normalised (names lowercased, its
  ``Headers`` shape), so it does not check them again. When the check fails, or a
  ``Content-Length`` is not plain digits or a ``Transfer-Encoding`` is present, the head is
  built by h11's own code, so a header h11 refuses is refused the same way, with the same
  error (the app's ``send`` raises; Hypercorn answers 500 when nothing was sent yet).
- h11's ``set_comma_header``, with which it sets ``Transfer-Encoding: chunked`` and
  ``Connection: close`` on a response it has already validated, no longer validates the
  list again: the values it adds are ``chunked``, ``close`` or tokens cut from a value
  that was validated.

h11 still decides the framing (Content-Length, chunked, close, keep-alive, HEAD, 204/304)
and writes the head; the bytes on the wire are the same as before.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import h11
import h11._connection as h11_connection
from h11._headers import CONTENT_LENGTH_MAX_DIGITS, Headers, normalize_and_validate
from hypercorn.protocol.events import Event as StreamEvent
from hypercorn.protocol.events import Response
from hypercorn.protocol.h11 import H11Protocol

_TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A value's bytes h11 refuses anywhere (NUL and whitespace other than SP and HTAB), and the
# newline that separates the values joined below (it cannot occur inside a valid value).
_NOT_IN_VALUE = b"\x00\n\r\x0b\x0c"


def valid_headers(names: tuple[bytes, ...], values: tuple[bytes, ...]) -> bool:
    """Whether h11's ``field-name`` and ``field-value`` match every name and value, in a
    few C calls over the joined names and values (rather than two regular expressions per
    header): every name is a non-empty token, and every value is empty or starts and ends
    with neither SP nor HTAB and holds no NUL, CR, LF, VT or FF."""
    if not values:
        return True
    if not all(names) or b"".join(names).translate(None, _TCHAR):
        return False
    joined = b"\n".join(values)
    if len(joined.translate(None, _NOT_IN_VALUE)) != len(joined) - len(values) + 1:
        return False
    # No SP or HTAB at either end (strip returns the value itself when it strips nothing):
    # the only whitespace left to strip after the check above.
    return tuple(map(bytes.strip, values)) == values


def response(status_code: int, headers: list[tuple[bytes, bytes]]) -> h11.Response:
    """The ``h11.Response`` h11 would build from these headers, validated once."""
    try:
        names, values = zip(*headers, strict=True) if headers else ((), ())
        valid = valid_headers(names, values)
        lowered = list(map(bytes.lower, names)) if valid else []
    except (TypeError, ValueError):  # not pairs of bytes: h11's own code converts or refuses
        valid = False
    if valid:
        if b"transfer-encoding" not in lowered and plain_length(lowered, values):
            items = list(zip(names, lowered, values, strict=True))
            return h11.Response(status_code=status_code, headers=Headers(items))
        return h11.Response(
            status_code=status_code, headers=normalize_and_validate(headers, _parsed=True)
        )
    return h11.Response(status_code=status_code, headers=headers)


def plain_length(lowered: list[bytes], values: tuple[bytes, ...]) -> bool:
    """No Content-Length, or one that h11's normalisation leaves as it is."""
    count = lowered.count(b"content-length")
    if count == 0:
        return True
    if count > 1:
        return False
    value = values[lowered.index(b"content-length")]
    return value.isdigit() and len(value) <= CONTENT_LENGTH_MAX_DIGITS


def set_comma_header(headers: Headers, name: bytes, new_values: list[bytes]) -> Headers:
    """h11's ``set_comma_header`` for headers it has already validated."""
    new_headers = [(raw, value) for raw, found, value in headers._full_items if found != name]
    new_headers.extend((name.title(), value) for value in new_values)
    return normalize_and_validate(new_headers, _parsed=True)


class GatewayH11Protocol(H11Protocol):
    """Hypercorn's HTTP/1.1 protocol, its final response heads built by ``response``."""

    async def stream_send(self, event: StreamEvent) -> None:
        if isinstance(event, Response) and event.status_code >= 200:
            config = self.config
            headers = list(chain(event.headers, config.response_headers("h11")))
            if self.keep_alive_requests >= config.keep_alive_max_requests:
                headers.append((b"connection", b"close"))
            await self._send_h11_event(response(event.status_code, headers))
            return
        await super().stream_send(event)


def install() -> None:
    """h11 stops re-validating the heads it rewrites (once); ``proxy.engines.hypercorn``
    serves HTTP/1.1 through ``GatewayH11Protocol`` when ``[server] http1 = "h11"``."""
    h11_target: Any = h11_connection
    h11_target.set_comma_header = set_comma_header


install()
