"""The production UpstreamClient: aiohttp, one ClientSession and bounded pool per provider.

The pool is bounded by ``max_connections`` and the wait for a free connection by
``pool_wait``: a request that finds every connection busy for that long is answered 503
with ``Retry-After`` (``UpstreamBusy``) instead of queueing inside aiohttp, where the wait
was unbounded and ended, after tens of seconds, in a 504 from a timeout that started late
(issue 15: 1,023 of 8,000 streams). The gate is an ``AdmissionController`` whose slot is a
connection: taken before aiohttp is asked, given back when aiohttp releases or closes that
connection (at the body's end, on ``aclose``, or when a forgotten response is collected).
A connect or first-byte timeout that expired while the gateway's own loop was stalled is
busy too (``proxy.upstream.looplag``): the provider is not to blame, no breaker hears of it.

aiohttp rather than httpx on the hot path: httpx's pool (httpcore 1.0) does per-request work
that grows with the number of pooled connections, which is what a gateway holding hundreds of
concurrent streams has. What the gateway achieves with this client is measured by
``benchmarks/run.sh`` against ``benchmarks/baseline_passthrough.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp.streams import StreamReader

from proxy.upstream.admission import AdmissionController, AdmissionRejected
from proxy.upstream.aiohttp_request import Sender
from proxy.upstream.client import (
    RawHeaders,
    UpstreamBusy,
    UpstreamConnectError,
    UpstreamError,
    UpstreamRequest,
    UpstreamTimeout,
)
from proxy.upstream.looplag import LoopLag

# aiohttp would add these on its own; a proxy must send only what the client and the
# provider config say (``ProxyRequest`` adds none of them; the session's list covers
# anything else that reaches aiohttp's own request path).
_SKIP_AUTO_HEADERS = frozenset({"User-Agent", "Accept-Encoding", "Content-Type"})


class AiohttpResponse:
    """The response and, being its own async iterator, its body chunks.

    A plain ``__anext__`` rather than an async generator around aiohttp's iterator: every
    streamed chunk passes through here, and each layer of generators costs per chunk.
    """

    __slots__ = ("_pending", "_response", "headers", "status")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self._pending = b""
        self.status = response.status
        self.headers: RawHeaders = list(response.raw_headers)

    def chunks(self) -> AsyncIterator[bytes]:
        return self

    def __aiter__(self) -> AiohttpResponse:
        return self

    async def __anext__(self) -> bytes:
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        content = self._response.content
        try:
            if content.__class__ is StreamReader and content._buffer and not content._exception:
                # ``readany`` without its coroutine: the bytes are here already (a JSON
                # answer usually arrives whole, with its head)
                chunk = content._read_nowait(-1)
            else:  # ``_read`` spelled out: no frame of its own while it waits
                chunk = await content.readany()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _read_error(exc) from None
        if not chunk:
            raise StopAsyncIteration
        return chunk

    def body_done(self) -> bool:
        """Whether the whole body has been handed out (the next read would end it)."""
        return not self._pending and self._response.content.at_eof()

    def released(self) -> bool:
        """The body's end gave the connection back (aiohttp's end-of-body callback)."""
        return self._response.closed

    async def peek(self) -> bytes:
        """Read the first chunk now; iteration still starts with it."""
        self._pending = await self._read()
        return self._pending

    async def _read(self) -> bytes:
        try:
            return await self._response.content.readany()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _read_error(exc) from None

    async def aclose(self) -> None:
        # release() keeps the connection when the body was read to the end, and closes it
        # otherwise (aiohttp cannot reuse a half-read connection). A body read to its end
        # already gave the connection back (aiohttp's end-of-body callback): nothing is left
        # to release, and release() would only mark the finished stream as closed.
        response = self._response
        if response.closed:
            return
        if response.content.at_eof():
            response.release()
        else:
            response.close()


class AiohttpClient:
    """Sends requests to one provider over its own bounded keep-alive pool."""

    def __init__(
        self, max_connections: int = 100, keepalive: float = 30.0, pool_wait: float = 5.0
    ) -> None:
        self._max_connections = max_connections
        self._keepalive = keepalive
        # The waiting line itself is bounded by the server's max_connections.
        self.pool = AdmissionController(max_connections, queue=sys.maxsize, max_wait=pool_wait)
        self.lag = LoopLag()
        self._session: aiohttp.ClientSession | None = None
        self._sender: Sender | None = None
        self._timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}

    def _create_session(self) -> Sender:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=self._keepalive,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            cookie_jar=aiohttp.DummyCookieJar(),
            read_bufsize=2**16,
        )
        self._sender = Sender(self._session, read_bufsize=2**16)
        return self._sender

    def _timeout(self, connect: float, first_byte: float) -> aiohttp.ClientTimeout:
        # aiohttp's socket timeouts, not an asyncio.timeout around the call: they cost no
        # extra timer per request. sock_read first bounds the wait for the response head
        # (the first byte); once it is in, the connection's read timeout becomes the idle
        # timeout between body chunks.
        key = (connect, first_byte)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=first_byte)
            self._timeouts[key] = timeout
        return timeout

    async def send(self, request: UpstreamRequest) -> AiohttpResponse:
        # One frame from here to aiohttp on the common path (a free connection slot, an
        # answer in time): every frame between the request's task and aiohttp is resumed
        # again each time the request waits on the provider.
        pool = self.pool
        if not pool.try_acquire():
            try:
                await pool.acquire()
            except AdmissionRejected as rejected:
                raise UpstreamBusy(
                    f"all {pool.max_in_flight} connections to the provider stayed busy for "
                    f"{pool.max_wait:g} s",
                    rejected.retry_after,
                ) from None
        lag = self.lag
        lag.ensure_started()
        started = lag.now()
        try:
            response = await self._call(request)
        except (aiohttp.ClientError, TimeoutError) as exc:
            try:
                response = await self._after_failure(request, _as_upstream_error(exc), started)
            except BaseException:
                pool.release()
                raise
        except BaseException:
            pool.release()
            raise
        if request.idle_timeout != request.first_byte_timeout and response.connection:
            protocol = response.connection.protocol
            if protocol is not None:
                protocol.read_timeout = request.idle_timeout
        _release_with(response, pool.release)
        return AiohttpResponse(response)

    async def _after_failure(
        self, request: UpstreamRequest, error: UpstreamError, started: float
    ) -> aiohttp.ClientResponse:
        """The request failed: ``error``, unless it is a timeout that expired while the
        gateway's own loop was stalled — then busy, after one more try when it was the
        connect (nothing reached the provider then, and the stall is over: a burst's first
        connections to a cold pool)."""
        lag = self.lag
        retried = False
        while True:
            if not isinstance(error, UpstreamTimeout) or not (
                lag.stalled_since(started) or _late(started, lag.now(), request, error.phase)
            ):
                raise error
            if error.phase == "connect" and not retried and _replayable(request):
                retried = True
                started = lag.now()
                try:
                    return await self._request(request)
                except UpstreamError as again:
                    error = again
                    continue
            raise UpstreamBusy(
                f"the gateway was too busy to see the provider's answer ({error.phase})",
                self.pool.retry_after,
            )

    async def _request(self, request: UpstreamRequest) -> aiohttp.ClientResponse:
        try:
            return await self._call(request)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _as_upstream_error(exc) from None

    def _call(self, request: UpstreamRequest) -> Awaitable[aiohttp.ClientResponse]:
        """aiohttp's request, not yet awaited (a plain function: no frame of its own)."""
        sender = self._sender or self._create_session()
        return sender.send(
            request, self._timeout(request.connect_timeout, request.first_byte_timeout)
        )

    async def close(self) -> None:
        self.lag.stop()
        if self._session is not None:
            await self._session.close()
            self._session = self._sender = None


def _read_error(exc: TimeoutError | aiohttp.ClientError) -> UpstreamError:
    """A failure reading the provider's body, as the gateway's."""
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout("no data from the provider within the idle timeout", "idle")
    return UpstreamError(f"the provider broke off the response: {exc}")


def _as_upstream_error(exc: aiohttp.ClientError | TimeoutError) -> UpstreamError:
    """aiohttp's failure as the gateway's."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return UpstreamConnectError(f"cannot connect to the provider: {exc.os_error}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        # A kept-alive connection the provider had already closed: nothing was processed.
        return UpstreamConnectError("the provider closed the connection")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return UpstreamTimeout("connecting to the provider timed out", "connect")
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout("the provider did not answer in time", "first_byte")
    return UpstreamError(f"the provider broke the protocol: {exc}")


def _replayable(request: UpstreamRequest) -> bool:
    return request.body is None or isinstance(request.body, bytes)


def _late(started: float, now: float, request: UpstreamRequest, phase: str) -> bool:
    """Whether the timer behind a timeout ran more than 0.1 s after it was due: the loop
    was congested (aiohttp rounds timeouts above 5 s up to the next whole second)."""
    timeout = request.connect_timeout if phase == "connect" else request.first_byte_timeout
    slack = 1.0 if timeout > 5.0 else 0.0
    return now - started > timeout + slack + 0.1


def _release_with(response: aiohttp.ClientResponse, release: Callable[[], None]) -> None:
    """Call ``release`` when aiohttp gives the response's connection back (released to the
    pool or closed), or now if it already has (a body that was complete with its head)."""
    connection = response.connection
    if connection is None:
        release()
    else:
        connection.add_callback(release)
