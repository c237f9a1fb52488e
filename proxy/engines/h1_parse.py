"""llhttp's side of ``proxy.engines.h1``: bytes in, a queue of parsed requests out.

``HttptoolsProtocol`` serves the queue in order through Hypercorn's streams; this mixin feeds
the connection's bytes to llhttp (httptools calls its ``on_*`` methods by name) and turns
each request into queue entries — its head (a ``Message``), body pieces, its end, or a
refusal with the status h11 and ``proxy.framing`` give the same request: Content-Length with
Transfer-Encoding, obs-folds and bare LF (llhttp refuses them itself: no lenient flag is
set), a Transfer-Encoding other than ``chunked`` (501), a missing or repeated Host on
HTTP/1.1, a head or trailer section past ``header_limit`` (431). Kept apart from the
protocol so each file has one job: what a request *is* here, what is done with it there.
"""

from __future__ import annotations

from collections import deque
from typing import NoReturn

import httptools
from hypercorn.protocol.events import Request
from hypercorn.typing import ConnectionState

STREAM_ID = 1
_VERSIONS = {"1.1": False, "1.0": True}  # version -> an HTTP/1.0 client


class Refused(Exception):
    """Raised from a parser callback: the request is refused (``_refused`` says how)."""


class Stop(Exception):
    """Raised from a parser callback: stop parsing here (an h2c upgrade)."""


class Message:
    """One request as parsed: what the response and the cycle's end depend on."""

    __slots__ = ("close", "expect", "http_10", "method", "request", "upgrade")

    def __init__(
        self, request: Request, method: bytes, http_10: bool, close: bool, expect: bool
    ) -> None:
        self.request = request
        self.method = method
        self.http_10 = http_10
        self.close = close
        self.expect = expect
        self.upgrade = b""  # b"h2c" or b"websocket" when the connection changes protocol


# Queue entries: (kind, payload)
REQUEST, BODY, END, ERROR = range(4)


class RequestParsing:
    """The parse side of ``HttptoolsProtocol``: llhttp's callbacks and the checks h11 makes
    on a request head. ``_events`` is what the protocol serves."""

    connection_state: ConnectionState  # Hypercorn's, set by the protocol
    _trailing: bytes  # bytes after an upgrading request's head, for the protocol

    def _init_parsing(self, limit: int) -> None:
        self._limit = limit
        self._parser = httptools.HttpRequestParser(self)
        self._events: deque[tuple[int, object]] = deque()
        self._broken = False  # the parser refused: nothing more is parsed
        # the message being parsed
        self._in_head = False
        self._head_bytes = 0
        self._url = b""
        self._names: list[bytes] = []
        self._values: list[bytes] = []
        self._parsing: Message | None = None
        self._trailer_bytes = 0
        self._skip_end = False

    def _feed(self, data: bytes) -> None:
        if self._broken:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as error:
            self._upgraded(data[error.args[0] :])
        except httptools.HttpParserCallbackError:
            if self._stopped:  # an h2c upgrade llhttp would not have stopped for
                self._stopped = False
                self._upgraded(self._after_head(data))
            elif self._refused:
                self._refuse_parsed(self._refused)
            else:
                raise  # a fault of this module's, not the client's
        except httptools.HttpParserError as error:
            # h11 answers a Transfer-Encoding it cannot read with 501 (llhttp stops at a
            # second one); Content-Length beside it is proxy.framing's 400
            names = self._names if self._in_head else ()
            te = b"transfer-encoding" in names and "Content-Length" not in str(error)
            self._refuse_parsed(501 if te and b"content-length" not in names else 400)
        else:
            if self._in_head:
                self._head_bytes += len(data)
                if self._head_bytes > self._limit:
                    self._refuse_parsed(431)

    _stopped = False  # a callback stopped the parser for an upgrade
    _refused = 0  # a callback refused the request with this status

    def _refuse(self, status: int) -> NoReturn:
        """Refuse the request being parsed with ``status`` (from a callback)."""
        self._refused = status
        raise Refused

    def _refuse_parsed(self, status: int) -> None:
        self._broken = True
        # A refused head waits for the answer before it (h11's PAUSED), unless that request
        # closes the connection (h11 refuses any byte after it at once); a refused body is
        # the current request's (its head was queued before it).
        waits = self._parsing is None and not self._after_close
        self._events.append((ERROR, (status, waits)))

    _after_close = False  # the last request read asked to close the connection

    def _upgraded(self, rest: bytes) -> None:
        """llhttp stopped after a head that asks for another protocol (Connection: upgrade,
        or CONNECT): h2c and websocket take the rest of the connection; any other request
        is served as HTTP/1.1, as h11 does, its body read by a fresh parser."""
        message = self._parsing
        if message is not None and message.upgrade:
            self._trailing = rest
            self._broken = True  # HTTP/1.1 ends with this request
            return
        self._parser = httptools.HttpRequestParser(self)
        if message is not None and self._skip_end:
            # The body llhttp skipped: read under a head that declares it, nothing else.
            self._skip_end = False
            framing = self._body_head
            self._synthetic = True
            try:
                self._parser.feed_data(framing)
            finally:
                self._synthetic = False
        if rest:
            self._feed(rest)

    _synthetic = False
    _body_head = b""

    def _after_head(self, data: bytes) -> bytes:
        """The bytes after the head that just ended, when it began in ``data`` (an h2c
        upgrade without ``Connection: upgrade``, so llhttp did not stop there itself)."""
        end = data.find(b"\r\n\r\n")
        return data[end + 4 :] if end >= 0 else b""

    # llhttp's callbacks (httptools calls them by name)

    def on_message_begin(self) -> None:
        if self._synthetic:
            return
        self._after_close = False
        self._in_head = True
        self._head_bytes = 0
        self._url = b""
        self._names = []
        self._values = []
        self._parsing = None
        self._trailer_bytes = 0

    def on_url(self, url: bytes) -> None:
        if not self._synthetic:
            self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._synthetic:
            return
        if not self._in_head:  # a trailer field: dropped, as h11 and Hypercorn do
            self._trailer_bytes += len(name) + len(value) + 4
            if self._trailer_bytes > self._limit:
                self._refuse(431)
            return
        self._names.append(name.lower())
        self._values.append(value)

    def on_headers_complete(self) -> None:
        if self._synthetic:
            return
        self._in_head = False
        parser = self._parser
        http_10 = _VERSIONS.get(parser.get_http_version())
        if http_10 is None:
            self._refuse(400)
        names, values = self._names, self._values
        joined = b"\n".join(values)
        if b" \n" in joined or b"\t\n" in joined or joined.endswith((b" ", b"\t")):
            values = [value.rstrip(b" \t") for value in values]
        method = parser.get_method()
        url = self._url
        size = len(method) + len(url) + 15 + len(b"".join(names)) + len(joined) + 3 * len(names)
        if size > self._limit:
            self._refuse(431)
        hosts = names.count(b"host")
        if hosts > 1 or (hosts == 0 and not http_10):
            self._refuse(400)
        close = http_10
        expect = False
        upgrade = b""
        length = b"content-length" in names
        chunked = False
        if b"transfer-encoding" in names:
            if names.count(b"transfer-encoding") > 1:
                self._refuse(501)
            if values[names.index(b"transfer-encoding")].lower() != b"chunked":
                self._refuse(501)
            chunked = True
        if b"connection" in names and not close:
            close = b"close" in _comma(names, values, b"connection")
        if b"expect" in names and not http_10:
            expect = b"100-continue" in _comma(names, values, b"expect")
        if b"upgrade" in names:
            upgrade = _upgrade(names, values, method, length or chunked)
        headers = list(zip(names, values, strict=True))
        message = Message(
            Request(
                stream_id=STREAM_ID,
                headers=headers,
                http_version="1.0" if http_10 else "1.1",
                method=method.decode("ascii"),
                raw_path=url,
                state=self.connection_state,
            ),
            method,
            http_10,
            close,
            expect,
        )
        message.upgrade = upgrade
        self._parsing = message
        self._events.append((REQUEST, message))
        if parser.should_upgrade() and not upgrade and (length or chunked):
            # llhttp will skip this body (it expects another protocol after the head)
            self._skip_end = True
            self._body_head = (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                if chunked
                else b"POST / HTTP/1.1\r\nContent-Length: %s\r\n\r\n"
                % values[names.index(b"content-length")]
            )
        elif upgrade == b"h2c" and not parser.should_upgrade():
            self._stopped = True
            raise Stop

    def on_body(self, body: bytes) -> None:
        self._events.append((BODY, body))

    def on_message_complete(self) -> None:
        parsing = self._parsing
        if self._skip_end or (parsing is not None and parsing.upgrade):
            return
        self._after_close = parsing is not None and parsing.close
        self._parsing = None
        self._events.append((END, None))


def _comma(names: list[bytes], values: list[bytes], name: bytes) -> list[bytes]:
    """h11's ``get_comma_header``: the comma-separated, lowercased tokens of every field
    named ``name``."""
    tokens: list[bytes] = []
    for found, value in zip(names, values, strict=True):
        if found == name:
            tokens.extend(token.strip().lower() for token in value.split(b","))
    return [token for token in tokens if token]


def _upgrade(names: list[bytes], values: list[bytes], method: bytes, body: bool) -> bytes:
    """The protocol Hypercorn switches this request to (its ``_check_protocol`` and
    ``_create_stream``): h2c without a body, a websocket on GET with Connection: upgrade;
    b"" for none."""
    upgrade = b""
    for found, value in zip(names, values, strict=True):
        if found == b"upgrade":
            upgrade = value.strip().lower()
    if upgrade == b"h2c":
        return b"" if body else b"h2c"
    websocket = upgrade == b"websocket" and method == b"GET"
    if websocket and b"upgrade" in _comma(names, values, b"connection"):
        return b"websocket"
    return b""
