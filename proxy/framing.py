"""Strict HTTP/1.1 request heads: ambiguous framing is answered 400 and the connection closed.

Hypercorn parses HTTP/1.1 with h11, which is lenient where leniency lets a front proxy and
the gateway disagree about where a request ends (request smuggling, issue 17 L8). h11 0.16
accepts, and this module refuses:

- ``Content-Length`` together with ``Transfer-Encoding`` (h11 uses the latter; RFC 9112
  6.3 lets a server go on, but a proxy in front may have used the former);
- obs-folded header lines (a continuation line starting with a space or tab; RFC 9112 5.2
  says a server must reject them or replace them with spaces, and a proxy in front may
  have read ``Transfer-Encoding:`` as empty);
- bare-LF line endings in the head (RFC 9112 2.2 allows accepting them, which is exactly
  the ambiguity);
- a head longer than ``[server] header_limit`` (431): h11's own limit applies only to a head
  still incomplete in its buffer, so a whole head that arrived in one read (up to 64 KiB)
  was parsed whatever its size;
- bare-LF line endings and obs-folds in a chunked body's trailer section, held to the
  head's rules (h11 takes ``\n`` for a line end there while it wants ``\r\n`` after each
  chunk, so ``0\r\nX: 1\n\r\n`` ended the message for h11 and not for a strict front
  proxy). h11 shares its chunked reader between roles, so the few off-path calls made
  with httpx refuse such trailers from a server too.

h11 has no switch for these, so its reader for a client's request head is wrapped once, at
import (``proxy.server`` imports this module): the head is checked as bytes in h11's
buffer, before h11 parses it, and a refusal is h11's own protocol error, which Hypercorn
turns into ``400`` with ``Connection: close``. The check is one ``find`` and two ``in``
tests on a head that is already in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import h11
from h11._readers import READERS, ChunkedReader
from h11._receivebuffer import ReceiveBuffer
from h11._util import LocalProtocolError

_KEY = (h11.CLIENT, h11.IDLE)
_HEAD_END = re.compile(rb"\n\r?\n")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_FOLD = re.compile(rb"\r\n[ \t]")


# The longest request head accepted, in bytes: ``[server] header_limit``, set by the engine
# that installs these readers (one value per process: every listener shares ``[server]``).
head_limit = 16 * 1024


def check_head(head: bytes, what: str = "request head") -> None:
    """Refuse a request head (through its blank line) whose framing is ambiguous, or which
    is longer than ``head_limit``."""
    if len(head) > head_limit:
        raise LocalProtocolError(f"{what} larger than header_limit", 431)
    if _BARE_LF.search(head):
        raise LocalProtocolError(f"bare LF line ending in the {what}")
    if _FOLD.search(head):
        raise LocalProtocolError(f"obs-folded line in the {what}")


def _check_request(request: h11.Request) -> None:
    names = {name for name, _ in request.headers}
    if b"transfer-encoding" in names and b"content-length" in names:
        raise LocalProtocolError("both Content-Length and Transfer-Encoding")


def _strict(reader: Callable[[ReceiveBuffer], Any]) -> Callable[[ReceiveBuffer], Any]:
    def read_head(buf: ReceiveBuffer) -> Any:
        data = buf._data  # h11's buffer: the head is checked before it is parsed
        end = _HEAD_END.search(data)
        if end is not None:
            check_head(bytes(data[: end.end()]))
        event = reader(buf)
        if isinstance(event, h11.Request):
            _check_request(event)
        return event

    read_head.strict = True  # type: ignore[attr-defined]
    return read_head


class StrictChunkedReader(ChunkedReader):
    """h11's chunked body reader, its trailer section checked like a head before h11
    splits it into lines."""

    def __call__(self, buf: ReceiveBuffer) -> Any:
        if self._reading_trailer:
            data = buf._data
            if data[:1] == b"\n":
                raise LocalProtocolError("bare LF line ending in the trailer section")
            if data[:2] != b"\r\n":  # not an empty trailer section
                end = _HEAD_END.search(data)
                if end is not None:
                    check_head(bytes(data[: end.end()]), "trailer section")
        return super().__call__(buf)


def install() -> None:
    """Make h11's request-head and chunked-body readers strict (once per process)."""
    current = READERS[_KEY]
    if callable(current) and not getattr(current, "strict", False):
        READERS[_KEY] = _strict(current)
    bodies = READERS[h11.SEND_BODY]
    assert isinstance(bodies, dict)
    bodies["chunked"] = StrictChunkedReader


install()
