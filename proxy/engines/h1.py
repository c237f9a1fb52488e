"""HTTP/1.1 under Hypercorn parsed by llhttp (httptools), with h11's behaviour on the wire.

``[server] http1 = "httptools"``. Hypercorn serves HTTP/1.1 through h11, a pure-Python
parser and writer: regular expressions per header line, a state machine walked per event.
Here Hypercorn keeps everything around the connection — workers, its TCP server, the task
group, lifespan, drain and reload, h2c and HTTP/2 prior knowledge, the connection guards of
``proxy.listener`` — and this protocol, which Hypercorn's ``ProtocolWrapper`` builds in place
of ``H11Protocol``, parses requests with llhttp (C, strict: no lenient flag is set) and
writes response heads in one join (``proxy.engines.h1_heads``). The parse side — llhttp's
callbacks and h11's checks on a request head — is ``proxy.engines.h1_parse``'s mixin.

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

The end of each cycle — the connection kept, a refused request's body drained, or closed —
is ``proxy.engines.h1_cycle``'s mixin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import chain

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

from proxy.engines.h1_cycle import ConnectionCycle
from proxy.engines.h1_heads import CHUNKED, UNTIL_CLOSE, informational_head, response_head
from proxy.engines.h1_parse import BODY, END, ERROR, REQUEST, STREAM_ID, Message, RequestParsing

_PRI = b"PRI * HTTP/2.0\r\n\r\n"

# The parser of a connection that has ended (it parses nothing, refers to nothing).
_SPENT = httptools.HttpRequestParser(object())


class HttptoolsProtocol(RequestParsing, ConnectionCycle, H11Protocol):
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
        self._init_parsing(config.h11_max_incomplete_size)
        self._fresh = b""  # the connection's first bytes while they may be HTTP/2's preface
        self._started = False  # any byte fed to the parser yet
        self._raw = False  # a websocket: bytes go to the stream as they come
        # serve side: the cycle being answered
        self._message: Message | None = None
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
                kind is REQUEST or (kind is ERROR and payload[1])  # type: ignore[index]
            ):
                # the request before is still being answered (h11's PAUSED)
                await self.can_read.clear()
                await self.can_read.wait()
                continue
            events.popleft()
            if self._draining:
                await self._drain(kind, payload)
            elif kind is BODY:
                stream = self.stream
                if events and events[0][0] is END and isinstance(stream, HTTPStream):
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
            elif kind is END:
                self._request_done = True
                if self.stream is not None:
                    await self.stream.handle(EndBody(stream_id=STREAM_ID))
            elif kind is REQUEST:
                await self._start(payload)  # type: ignore[arg-type]
            else:
                await self._refuse_with(payload[0])  # type: ignore[index]

    async def _start(self, message: Message) -> None:
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
        if not self._reusable():
            await self._close()
        elif self._request_done:
            await self._next_cycle()
        else:  # answered before the body was in: read the rest of it first (module doc)
            self._draining = True
            self._drained = 0
