"""HTTP/1.1 under Hypercorn parsed by llhttp (httptools), with h11's behaviour on the wire.

``[server] http1 = "httptools"``. Hypercorn serves HTTP/1.1 through h11, a pure-Python
parser and writer: regular expressions per header line, a state machine walked per event.
Here Hypercorn keeps everything around the connection — workers, its TCP server, the task
group, lifespan, drain and reload, h2c and HTTP/2 prior knowledge, the connection guards of
``proxy.listener`` — and this protocol, which Hypercorn's ``ProtocolWrapper`` builds in place
of ``H11Protocol``, parses requests with llhttp (C, strict: no lenient flag is set) and
writes response heads in one join (``proxy.engines.h1_heads``).

What h11 and ``proxy.framing`` refuse is refused the same way, with the same status and
``Connection: close``: Content-Length with Transfer-Encoding, obs-folds, bare LF in the head
or trailers, a Transfer-Encoding other than ``chunked`` (501), a missing or repeated Host
on HTTP/1.1, a head past ``header_limit`` (431; counted as the request line and the
headers written ``name: value``), a malformed chunk. Where llhttp is stricter than h11 it
refuses with 400 what h11 passed to the app: a method llhttp does not know (or in lower
case), control bytes other than HTAB in a header value, a list or repeat of one
Content-Length, an HTTP version other than 1.0 and 1.1, a second request line ``PRI *
HTTP/2.0`` on a connection (the first is HTTP/2 prior knowledge, as under h11).
docs/deploy.md lists these.

Requests are answered in order: llhttp parses what arrives into a queue of events, and a
request waits in it until the one before has been answered (h11's ``PAUSED``), with no
read from the socket meanwhile, so a pipelining client is held to one response at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from itertools import chain
from typing import NoReturn

import h11
import httptools
from hypercorn.config import Config
from hypercorn.events import Closed, Event, RawData, Updated
from hypercorn.protocol.events import (
    Body,
    Data,
    EndBody,
    EndData,
    InformationalResponse,
    Request,
    Response,
    StreamClosed,
)
from hypercorn.protocol.events import Event as StreamEvent
from hypercorn.protocol.h11 import (
    H2CProtocolRequiredError,
    H2ProtocolAssumedError,
    H11Protocol,
)
from hypercorn.protocol.http_stream import HTTPStream
from hypercorn.protocol.ws_stream import WSStream
from hypercorn.typing import AppWrapper, ConnectionState, TaskGroup, WorkerContext

from proxy.engines.h1_heads import CHUNKED, UNTIL_CLOSE, informational_head, response_head

STREAM_ID = 1
_PRI = b"PRI * HTTP/2.0\r\n\r\n"
_VERSIONS = {"1.1": False, "1.0": True}  # version -> an HTTP/1.0 client


class _Refused(Exception):
    """Raised from a parser callback: the request is refused (``_refused`` says how)."""


class _Stop(Exception):
    """Raised from a parser callback: stop parsing here (an h2c upgrade)."""


class _Message:
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


# The parser of a connection that has ended (it parses nothing, refers to nothing).
_SPENT = httptools.HttpRequestParser(object())

# Queue entries: (kind, payload)
_REQUEST, _BODY, _END, _ERROR = range(4)


class HttptoolsProtocol(H11Protocol):
    """Hypercorn's HTTP/1.1 protocol (its interface and events), parsed by llhttp."""

    def __init__(
        self,
        app: AppWrapper,
        config: Config,
        context: WorkerContext,
        task_group: TaskGroup,
        connection_state: ConnectionState,
        ssl: bool,
        client: tuple[str, int] | None,
        server: tuple[str, int] | None,
        send: Callable[[Event], Awaitable[None]],
    ) -> None:
        self.app = app
        self.can_read = context.event_class()
        self.client = client
        self.config = config
        self.context = context
        self.keep_alive_requests = 0
        self.send = send
        self.server = server
        self.ssl = ssl
        self.stream: HTTPStream | WSStream | None = None
        self.task_group = task_group
        self.connection_state = connection_state
        self._limit = config.h11_max_incomplete_size
        self._parser = httptools.HttpRequestParser(self)
        self._events: deque[tuple[int, object]] = deque()
        self._fresh = b""  # the connection's first bytes while they may be HTTP/2's preface
        self._started = False  # any byte fed to the parser yet
        self._broken = False  # the parser refused: nothing more is parsed
        self._raw = False  # a websocket: bytes go to the stream as they come
        # parse side (callbacks): the message being parsed
        self._in_head = False
        self._head_bytes = 0
        self._url = b""
        self._names: list[bytes] = []
        self._values: list[bytes] = []
        self._parsing: _Message | None = None
        self._trailer_bytes = 0
        self._skip_end = False
        # serve side: the cycle being answered
        self._message: _Message | None = None
        self._request_done = False
        self._response_done = False
        self._framing = 0  # the response body's: bytes left to send, CHUNKED or UNTIL_CLOSE
        self._keep_alive = True
        self._closing = False

    # -- Hypercorn's protocol interface ------------------------------------------------

    async def initiate(self) -> None:
        pass

    async def handle(self, event: Event) -> None:
        if isinstance(event, RawData):
            data = event.data
            if self._raw:
                if self.stream is not None:
                    await self.stream.handle(Data(stream_id=STREAM_ID, data=data))
                return
            if not self._started:
                data = self._fresh + data
                if data.startswith(_PRI):  # HTTP/2 with prior knowledge, as h11 hands it on
                    self._release()
                    await self.send(Updated(idle=False))
                    raise H2ProtocolAssumedError(data)
                if _PRI.startswith(data):  # may still become that line
                    self._fresh = data
                    return
                self._fresh = b""
                self._started = True
            self._feed(data)
            await self._serve_events()
        elif isinstance(event, Closed):
            self._release()
            self._gone = True
            await self.can_read.set()  # a request waiting behind the one in flight is dropped
            if self.stream is not None:
                await self._close_stream()

    def _release(self) -> None:
        """Drop the parser, whose callbacks refer back here: the connection's objects are
        then freed by reference counting when it ends, not by the cyclic collector."""
        self._broken = True
        self._parser = _SPENT

    def reading_body(self) -> bool:
        """A request's head is served and its body not yet read whole (``body_timeout``)."""
        return self._message is not None and not self._request_done

    def answered_nothing(self) -> bool:
        """Nothing of a response was written in this cycle (a timeout may answer 408)."""
        return not self._closing and (self._message is None or self._framing_unset)

    _framing_unset = True  # no response head written in this cycle

    async def stream_send(self, event: StreamEvent) -> None:
        if self._closing and not isinstance(event, StreamClosed):
            return  # refused and closed (h11 drops what is sent after its error)
        if isinstance(event, Response):
            message = self._message
            config = self.config
            if event.status_code >= 200:
                headers = list(chain(event.headers, config.response_headers("h11")))
                if self.keep_alive_requests >= config.keep_alive_max_requests:
                    headers.append((b"connection", b"close"))
                if message is None:
                    method, http_10, keep_alive = None, True, self._keep_alive
                else:
                    method, http_10, keep_alive = message.method, message.http_10, self._keep_alive
                head, framing, close = response_head(
                    event.status_code, headers, method, http_10, keep_alive
                )
                self._framing = framing
                self._framing_unset = False
                self._keep_alive = not close
                if framing == 0:
                    self._response_done = True
                elif framing > 0:
                    # Held for the first body chunk, both in one write (ASGI lets a server
                    # wait for a body message before it starts the response): the same
                    # bytes, one send and one drain fewer. A streamed (chunked) head goes
                    # out at once, as before.
                    self._held = head
                    return
                await self.send(RawData(data=head))
            else:
                headers = list(chain(event.headers, config.response_headers("h11")))
                await self.send(RawData(data=informational_head(event.status_code, headers)))
        elif isinstance(event, Body):
            await self._send_body(event.data)
        elif isinstance(event, EndBody):
            await self._end_body()
        elif isinstance(event, Data):
            await self.send(RawData(data=event.data))
        elif isinstance(event, InformationalResponse | EndData):
            pass  # no early hints over HTTP/1; a websocket's end is the connection's
        elif isinstance(event, StreamClosed):
            await self._maybe_recycle()

    # -- the response body ---------------------------------------------------------------

    _gone = False  # the connection has closed: queued requests are not served

    _held = b""  # a response head not written yet: it goes out with the first body chunk

    async def _flush(self) -> None:
        if self._held:
            head, self._held = self._held, b""
            await self.send(RawData(data=head))

    async def _send_body(self, data: bytes) -> None:
        framing = self._framing
        if framing == CHUNKED:
            if data:
                await self.send(RawData(data=b"%x\r\n%s\r\n" % (len(data), data)))
        elif framing == UNTIL_CLOSE:
            await self.send(RawData(data=data))
        else:
            if len(data) > framing:
                self._keep_alive = False
                await self._flush()  # h11 had written the head
                raise h11.LocalProtocolError("Too much data for declared Content-Length")
            self._framing = framing - len(data)
            if self._held:
                data, self._held = self._held + data, b""
            await self.send(RawData(data=data))

    async def _end_body(self) -> None:
        framing = self._framing
        if framing == CHUNKED:
            self._response_done = True
            await self.send(RawData(data=b"0\r\n\r\n"))
        elif framing == UNTIL_CLOSE or framing == 0:
            self._response_done = True
        else:
            self._keep_alive = False
            await self._flush()
            raise h11.LocalProtocolError("Too little data for declared Content-Length")

    # -- the cycle -----------------------------------------------------------------------

    async def _serve_events(self) -> None:
        events = self._events
        while events and not self._closing and not self._gone:
            kind, payload = events[0]
            if self._message is not None and (
                kind is _REQUEST or (kind is _ERROR and payload[1])  # type: ignore[index]
            ):
                # the request before is still being answered (h11's PAUSED)
                await self.can_read.clear()
                await self.can_read.wait()
                continue
            events.popleft()
            if kind is _BODY:
                stream = self.stream
                if events and events[0][0] is _END and isinstance(stream, HTTPStream):
                    # The rest of the body is here whole: one message with its end, not
                    # Hypercorn's chunk and then an empty last message (a queue put and a
                    # receive fewer for the app).
                    events.popleft()
                    self._request_done = True
                    if not stream.closed:
                        await stream.app_put(
                            {"type": "http.request", "body": payload, "more_body": False}  # type: ignore[typeddict-item]
                        )
                elif stream is not None:
                    await stream.handle(Body(stream_id=STREAM_ID, data=payload))  # type: ignore[arg-type]
            elif kind is _END:
                self._request_done = True
                if self.stream is not None:
                    await self.stream.handle(EndBody(stream_id=STREAM_ID))
            elif kind is _REQUEST:
                await self._start(payload)  # type: ignore[arg-type]
            else:
                await self._refuse_with(payload[0])  # type: ignore[index]

    async def _start(self, message: _Message) -> None:
        self._message = message
        self._request_done = False
        self._response_done = False
        self._framing_unset = True
        self._keep_alive = not message.close
        await self.send(Updated(idle=False))
        request = message.request
        if message.upgrade == b"h2c":
            await self.send(
                RawData(
                    data=informational_head(
                        101,
                        [
                            *self.config.response_headers("h11"),
                            (b"connection", b"upgrade"),
                            (b"upgrade", b"h2c"),
                        ],
                    )
                )
            )
            trailing = self._trailing
            self._trailing = b""
            h11_request = h11.Request(
                method=message.method,
                target=request.raw_path,
                headers=request.headers,
                http_version=b"1.0" if message.http_10 else b"1.1",
            )
            self._release()
            raise H2CProtocolRequiredError(trailing, h11_request)
        kind = WSStream if message.upgrade == b"websocket" else HTTPStream
        self.stream = kind(
            self.app,
            self.config,
            self.context,
            self.task_group,
            self.ssl,
            self.client,
            self.server,
            self.stream_send,
            STREAM_ID,
        )
        await self.stream.handle(request)
        self.keep_alive_requests += 1
        await self.context.mark_request()
        if message.expect:  # h11 asks for the body as soon as the request is handed on
            head = informational_head(100, self.config.response_headers("h11"))
            await self.send(RawData(data=head))
        if message.upgrade == b"websocket":
            self._raw = True
            trailing = self._trailing
            self._trailing = b""
            if trailing:
                await self.stream.handle(Data(stream_id=STREAM_ID, data=trailing))

    _trailing = b""  # bytes after an upgrading request's head

    async def _refuse_with(self, status: int) -> None:
        """A request llhttp or the checks here refused: answered (h11's error response) when
        nothing of this cycle's response was written, then the connection is closed."""
        if self._message is None or self._framing_unset:
            headers = [(b"content-length", b"0"), (b"connection", b"close")]
            headers += self.config.response_headers("h11")
            message = self._message
            head, _, _ = response_head(
                status,
                headers,
                message.method if message else None,
                message.http_10 if message else True,
                self._keep_alive,
            )
            self._framing_unset = False
            await self.send(RawData(data=head))
        self._closing = True
        self._events.clear()
        await self.send(Closed())

    async def _maybe_recycle(self) -> None:
        await self._flush()  # an app that ended after its response's start, before a body
        await self._close_stream()
        if (
            not self.context.terminated.is_set()
            and self._keep_alive
            and self._response_done
            and self._message is not None
            and not self._message.upgrade  # h11 never recycles a websocket's connection
            and self._request_done
            and not self._closing
        ):
            self._message = None
            await self.can_read.set()
            await self.send(Updated(idle=True))
        else:
            self._closing = True
            self._message = None
            await self.can_read.set()
            await self.send(Closed())

    async def _close_stream(self) -> None:
        if self.stream is not None:
            await self.stream.handle(StreamClosed(stream_id=STREAM_ID))
            self.stream = None

    # -- parsing -------------------------------------------------------------------------

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
        raise _Refused

    def _refuse_parsed(self, status: int) -> None:
        self._broken = True
        # A refused head waits for the answer before it (h11's PAUSED), unless that request
        # closes the connection (h11 refuses any byte after it at once); a refused body is
        # the current request's (its head was queued before it).
        waits = self._parsing is None and not self._after_close
        self._events.append((_ERROR, (status, waits)))

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
        message = _Message(
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
        self._events.append((_REQUEST, message))
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
            raise _Stop

    def on_body(self, body: bytes) -> None:
        self._events.append((_BODY, body))

    def on_message_complete(self) -> None:
        parsing = self._parsing
        if self._skip_end or (parsing is not None and parsing.upgrade):
            return
        self._after_close = parsing is not None and parsing.close
        self._parsing = None
        self._events.append((_END, None))


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
