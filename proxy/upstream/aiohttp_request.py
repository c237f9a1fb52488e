"""One request through aiohttp's connector, without ``ClientSession.request``'s per-request work.

``ClientSession._request`` is written for every feature aiohttp has: it merges session
headers into a new multidict, parses the URL, checks auth, cookies, proxies, netrc and
redirects, starts a total timeout, builds trace lists and a closure per request, and hands
everything to ``ClientRequest``, whose constructor walks the headers again for each of
them; a body then goes out from a task of its own (on CPython 3.11 a task is never started
eagerly), one more loop turn before the provider sees the request. Under Granian at 64
connections this bookkeeping was ~10 % of the worker's CPU (py-spy,
``benchmarks/results/2026-12-06-212700-profile-c64-granian-before-core-cuts.txt``) and none
of it applies to a proxy, which sends no cookies, follows no redirect, uses no proxy and
no total timeout.

What is left is what aiohttp needs to send one request and read its answer, done the way
``_request`` does it: the connector's pool (keep-alive, limits, the connect timeout), the
response parameters (the read timeout, the buffer size), ``ClientResponse.start``, and one
retry of an idempotent request whose kept-alive connection the provider had closed. A
``bytes`` body that fits aiohttp's write buffer (64 KiB) is written with the head in one
``write`` from this coroutine; a streamed or larger body, or one waiting for ``100
Continue``, goes out the way aiohttp sends it, from a writer task. ``aiohttp`` is pinned to a
minor version in pyproject.toml for this; ``tests/integration/test_aiohttp_client.py``
checks what reaches the provider, byte for byte.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import ClientResponseError, hdrs
from aiohttp.client_exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientOSError,
    ConnectionTimeoutError,
    InvalidUrlClientError,
    NonHttpUrlClientError,
    ServerDisconnectedError,
)
from aiohttp.client_reqrep import ClientRequest, ClientResponse, ConnectionKey
from aiohttp.connector import Connection
from aiohttp.helpers import TimerNoop, set_result
from aiohttp.http import HttpVersion11
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_writer import (
    MIN_PAYLOAD_FOR_WRITELINES,
    SKIP_WRITELINES,
    _serialize_headers,
)
from aiohttp.payload import AsyncIterablePayload, BytesPayload
from multidict import CIMultiDict
from yarl import URL

from proxy.upstream.aiohttp_protocol import ProxyResponseHandler, ResponseParams
from proxy.upstream.client import UpstreamRequest

# RFC 9112 9.3.1: a request the provider may see twice (aiohttp's own list).
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_BODY_METHODS = ClientRequest.GET_METHODS
# aiohttp's StreamWriter.write drains past this; below it a write never waits.
_WRITE_LIMIT = 0x10000
_TIMER = TimerNoop()  # no total timeout: stateless, shared
_NO_TRACES: list[Any] = []


@functools.lru_cache(maxsize=1024)
def provider_url(url: str) -> tuple[URL, ConnectionKey]:
    """The provider URL parsed once (``Provider.url`` hands out a few distinct strings), and
    the key of the connector's pool it goes to: ``ClientRequest.connection_key`` for a
    request with aiohttp's default ``ssl`` and no proxy (a property building the key anew
    for every request)."""
    try:
        parsed = URL(url)
    except ValueError as exc:
        raise InvalidUrlClientError(url) from exc
    if parsed.scheme not in ("http", "https"):
        raise NonHttpUrlClientError(url)
    if not parsed.raw_host or parsed.raw_user or parsed.raw_password:
        raise InvalidUrlClientError(url)  # credentials go in headers, not in the URL
    key = ConnectionKey(
        parsed.raw_host, parsed.port, parsed.scheme == "https", True, None, None, None
    )
    return parsed, key


class ProxyRequest(ClientRequest):
    """aiohttp's request for a proxy: the attributes ``ClientRequest.send``, the connector and
    the response read, set directly from what the gateway decided.

    The same headers reach the provider as through ``ClientRequest.__init__`` with the
    session's ``skip_auto_headers`` (User-Agent, Accept-Encoding, Content-Type): Host first
    (unless the request carries its own), then the request's headers in order, ``Accept:
    */*`` when it has none, and the body's framing — ``Content-Length`` for bytes (``0`` for
    none on a method with a body), ``Transfer-Encoding: chunked`` for a stream.
    """

    # aiohttp's property builds the pool's key anew for each request; here it is the one
    # ``provider_url`` made for the URL (a plain attribute shadowing the property).
    connection_key: ConnectionKey = None  # type: ignore[assignment]
    # What ``ClientRequest.__init__`` sets on every request and a proxy never changes: read
    # from the class instead of set per request.
    compress = None
    length = None
    response_class = ClientResponse
    _timer = _TIMER
    _ssl = True
    server_hostname = None
    version = HttpVersion11
    auth = None
    proxy = None
    proxy_auth = None
    proxy_headers = None
    _traces = _NO_TRACES
    chunked = None
    _bytes: bytes | None = None  # a body sent with the head (``send``)

    def __init__(
        self,
        method: str,
        url: URL,
        key: ConnectionKey,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
        session: aiohttp.ClientSession,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._session = session
        self.original_url = self.url = url
        self.connection_key = key
        self.method = method
        self.loop = loop
        host = url.host_port_subcomponent
        assert host is not None  # checked by provider_url
        fields: CIMultiDict[str] = CIMultiDict([(hdrs.HOST, host), *headers])
        if len(fields.getall(hdrs.HOST)) > 1:  # the request's own Host wins, in first place
            name, value = [(k, v) for k, v in headers if k.lower() == "host"][-1]
            fields[name] = value
        if hdrs.ACCEPT not in fields:
            fields[hdrs.ACCEPT] = "*/*"
        self.headers = fields
        if body is None:
            if method not in _NO_BODY_METHODS and hdrs.CONTENT_LENGTH not in fields:
                fields[hdrs.CONTENT_LENGTH] = "0"
        elif isinstance(body, bytes):
            self._bytes = body
            if hdrs.CONTENT_LENGTH not in fields:
                fields[hdrs.CONTENT_LENGTH] = str(len(body))
        else:
            self._body = AsyncIterablePayload(body)
            if hdrs.CONTENT_LENGTH not in fields:
                self.chunked = True
        if self.chunked and hdrs.TRANSFER_ENCODING not in fields:
            fields[hdrs.TRANSFER_ENCODING] = "chunked"
        expect = fields.get(hdrs.EXPECT)
        if expect is not None and expect.lower() == "100-continue":
            self._continue = loop.create_future()

    async def send(self, conn: Connection) -> ClientResponse:
        """As aiohttp sends a request: from a writer task (what ``sent_with_head`` leaves)."""
        if self._bytes is not None:
            self._body = BytesPayload(self._bytes, content_type=None)
        return await super().send(conn)

    def sent_with_head(self, conn: Connection) -> ClientResponse | None:
        """The head and a small body in one write, without a writer task or a coroutine;
        None when the request must go as aiohttp sends it (``send``): a streamed or larger
        body, one waiting for ``100 Continue``, or a connection that is not taking writes."""
        data = self._bytes
        protocol = conn.protocol
        assert protocol is not None
        if (
            self._body is not None
            or self._continue is not None
            or protocol._paused  # ``writing_paused``
            or (data is not None and len(data) > _WRITE_LIMIT)
        ):
            return None
        head = _serialize_headers(f"{self.method} {self.url.raw_path_qs} HTTP/1.1", self.headers)
        # ``StreamWriter._writelines``, without a writer object: the same one write.
        transport = protocol.transport
        if transport is None or transport.is_closing():
            # As aiohttp's writer task reports it: on the response read, as ClientOSError.
            raise ClientOSError(None, f"Can not write request body for {self.url!s}")
        if data:
            if SKIP_WRITELINES or len(head) + len(data) < MIN_PAYLOAD_FOR_WRITELINES:
                transport.write(head + data)
            else:
                transport.writelines((head, data))
        else:
            transport.write(head)
        protocol.start_timeout()
        self.response = ClientResponse(
            self.method,
            self.original_url,
            writer=None,
            continue100=None,
            timer=_TIMER,
            request_info=self.request_info,
            traces=_NO_TRACES,
            loop=self.loop,
            session=self._session,
            # all a sent request's writer is asked for (``ClientResponse.__init__``)
            stream_writer=SimpleNamespace(output_size=len(head) + len(data or b"")),  # type: ignore[arg-type]
        )
        return self.response


class Sender:
    """What one session's requests share, read from it once: the connector and the response
    parameters ``ClientSession._request`` would pass for every request."""

    def __init__(self, session: aiohttp.ClientSession, read_bufsize: int) -> None:
        connector = session.connector
        assert connector is not None
        self.session = session
        self.connector = connector
        self.loop = session._loop
        # The connector's connections are ``ProxyResponseHandler``s (one read timer per
        # connection, the parser kept across its responses); set before the first connect.
        connector._factory = functools.partial(ProxyResponseHandler, loop=self.loop)  # type: ignore[assignment]
        self._params: ResponseParams = (
            read_bufsize,
            connector._timeout_ceil_threshold,
            _TIMER,
            session._max_line_size,
            session._max_field_size,
            session._max_headers,
        )

    async def send(
        self, request: UpstreamRequest, timeout: aiohttp.ClientTimeout
    ) -> ClientResponse:
        """``ClientSession._request`` for one proxied request: connect (or reuse), send, read
        the head; the errors it raises are the ones ``_request`` raises."""
        connector = self.connector
        if connector._closed:  # ``session.closed``: its connector is closed with it
            raise RuntimeError("Session is closed")
        url, key = provider_url(request.url)
        method = request.method
        retry = method in _IDEMPOTENT
        body = request.body
        while True:
            req = ProxyRequest(method, url, key, request.headers, body, self.session, self.loop)
            try:
                # A kept-alive connection straight from the pool (``connect`` asks the pool
                # first too), else ``connect`` for a new one under the connect timeout.
                conn = await connector._get(key, _NO_TRACES)
                if conn is None:
                    try:
                        conn = await connector.connect(req, traces=_NO_TRACES, timeout=timeout)
                    except TimeoutError as exc:
                        raise ConnectionTimeoutError(f"Connection timeout to host {url}") from exc
                protocol = conn.protocol
                assert isinstance(protocol, ProxyResponseHandler)
                protocol.prepare(self._params, method == "HEAD", timeout.sock_read)
                try:
                    resp = req.sent_with_head(conn) or await req.send(conn)
                    try:
                        # ``ClientResponse.start``, spelled out: no frame of its own to resume
                        # when the provider's head arrives.
                        resp._closed = False
                        resp._protocol = protocol
                        resp._connection = conn
                        while True:
                            try:
                                message, payload = await protocol.read()
                            except HttpProcessingError as exc:
                                raise ClientResponseError(
                                    resp.request_info,
                                    resp.history,
                                    status=exc.code,
                                    message=exc.message,
                                    headers=exc.headers,
                                ) from exc
                            code = message.code
                            if code < 100 or code > 199 or code == 101:
                                break
                            if resp._continue is not None:
                                set_result(resp._continue, True)
                                resp._continue = None
                        payload.on_eof(resp._response_eof)
                        resp.version = message.version
                        resp.status = code
                        resp.reason = message.reason
                        resp._headers = message.headers
                        resp._raw_headers = message.raw_headers
                        resp.content = payload
                        if cookies := message.headers.getall(hdrs.SET_COOKIE, ()):
                            resp._raw_cookie_headers = tuple(cookies)
                    except BaseException:
                        resp.close()
                        raise
                except BaseException:
                    conn.close()
                    raise
            except (
                ConnectionTimeoutError,
                ClientConnectorError,
                ClientConnectorCertificateError,
                ClientConnectorSSLError,
            ):
                raise
            except (ClientOSError, ServerDisconnectedError):
                # A kept-alive connection the provider had closed: an idempotent request
                # that can be sent again is, once (aiohttp's rule).
                if not retry or not (body is None or isinstance(body, bytes)):
                    raise
                retry = False
                await req.close()  # a writer task still running settles first
                continue
            except aiohttp.ClientError:
                raise
            except OSError as exc:
                if exc.errno is None and isinstance(exc, asyncio.TimeoutError):
                    raise
                raise ClientOSError(*exc.args) from exc
            if req._body is not None:
                await req._body.close()
            return resp
