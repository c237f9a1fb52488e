"""A Lease: one upstream response and the bookkeeping owed to its target when it ends.

Whatever way a response ends — read to the end, cut off mid-stream, abandoned by a client
that went away, discarded for a retry — the target's in-flight count, breaker and rolling
error rate must hear about it exactly once. The Lease makes that a single call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import orjson

from proxy.config.upstreams import TimeoutsConfig
from proxy.records import Usage
from proxy.upstream.breaker import Permit
from proxy.upstream.client import (
    BasicResponse,
    RawHeaders,
    UpstreamError,
    UpstreamResponse,
    UpstreamTimeout,
)
from proxy.upstream.provider import Provider
from proxy.upstream.quota import ProviderQuota
from proxy.upstream.retry import parse_retry_after
from proxy.upstream.target import Target

_DISCARD_LIMIT = 64 * 1024


class Lease:
    __slots__ = (
        "_finished",
        "on_done",
        "permit",
        "provider",
        "response",
        "stream_error",
        "target",
        "usage",
    )

    def __init__(
        self,
        response: UpstreamResponse,
        target: Target,
        provider: Provider,
        permit: Permit,
        stream_error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        self.response = response
        self.target = target
        self.provider = provider
        self.permit = permit
        self.stream_error = stream_error
        self.usage = usage
        self.on_done: Callable[[], None] | None = None
        self._finished = False

    def finish(self, success: bool | None) -> None:
        """Report the outcome once; ``None`` means it says nothing about the target."""
        if self._finished:
            return
        self._finished = True
        target = self.target
        target.stats.finish()
        usage = self.usage
        if usage is not None and usage.reported and target.quota is not None:
            target.quota.record_tokens(usage.input_tokens + usage.output_tokens)  # tpm: real use
        if success is None:
            target.breaker.cancel(self.permit)
        else:
            target.stats.record(success)
            target.breaker.record(self.permit, success)
        if self.on_done is not None:
            self.on_done()

    def failure(self) -> tuple[int, float | None] | None:
        """(status to judge retries by, Retry-After) when this response failed, else None.

        An error inside a 200 stream, before any content, is judged as a 500.
        """
        if self.stream_error is not None:
            return 500, None
        status = self.response.status
        if status < 400:
            return None
        return status, retry_after(self.response)

    def closed_now(self, success: bool | None) -> bool:
        """``close`` without a coroutine, when the response has nothing left to release
        (True); False: ``await close(success)`` is still owed."""
        if not self.response.released():
            return False
        self.finish(success)
        return True

    async def close(self, success: bool | None) -> None:
        try:
            await self.response.aclose()
        finally:
            self.finish(success)

    async def discard(self, success: bool) -> None:
        """Drop a response we will retry: read a small body so the connection is reused."""
        try:
            size = 0
            async for chunk in self.response.chunks():
                size += len(chunk)
                if size > _DISCARD_LIMIT:
                    break
        except UpstreamError:
            pass
        finally:
            await self.close(success)


def retry_after(response: UpstreamResponse) -> float | None:
    """The response's ``Retry-After`` in seconds, None when absent or unparseable."""
    for key, value in response.headers:
        if key.lower() == b"retry-after":
            return parse_retry_after(value.decode("latin-1"))
    return None


def block_on_retry_after(quota: ProviderQuota, response: UpstreamResponse) -> None:
    """A 429 (or a 503 that says when to come back) blocks the target for that long, so
    every balancer skips it instead of hammering it into more 429s."""
    status = response.status
    if status != 429 and status != 503:
        return
    wait = retry_after(response)
    if status == 429:
        quota.block_for(wait if wait is not None else 1.0)
    elif wait is not None:
        quota.block_for(wait)


class PeekedResponse(BasicResponse):
    """A response whose first chunk was already read, replayed ahead of the rest."""

    __slots__ = ("_first", "_response", "_rest", "headers", "status")

    def __init__(
        self, response: UpstreamResponse, first: bytes, rest: AsyncIterator[bytes]
    ) -> None:
        self._response = response
        self._first = first
        self._rest = rest
        self.status = response.status
        self.headers: RawHeaders = response.headers

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._first:
            yield self._first
        async for chunk in self._rest:
            yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


async def peek_stream_error(
    response: UpstreamResponse, timeouts: TimeoutsConfig
) -> tuple[str | None, UpstreamResponse]:
    """For a 200 SSE stream, read the first chunk: an error there, before any content, is a
    failed attempt that can still be retried, since nothing has reached the client yet."""
    if response.status != 200 or not is_event_stream(response.headers):
        return None, response
    try:  # a client that can put the chunk back (and times reads itself) does so here
        peeked = await response.peek()
    except BaseException:
        await response.aclose()
        raise
    if peeked is not None:
        return _error_in(peeked), response
    rest = response.chunks()
    try:
        async with asyncio.timeout(timeouts.first_byte):
            first = await anext(rest, b"")
    except TimeoutError:
        await response.aclose()
        raise UpstreamTimeout("the provider sent no stream data in time", "first_byte") from None
    except BaseException:
        await response.aclose()
        raise
    return _error_in(first), PeekedResponse(response, first, rest)


def is_event_stream(headers: RawHeaders) -> bool:
    """Whether raw response headers announce an SSE stream (the one rule for the gateway)."""
    for key, value in headers:
        # Its length first: no lower-cased copy of every other name (every 200 asks this).
        if len(key) == 12 and key.lower() == b"content-type":
            return value.lower().startswith(b"text/event-stream")
    return False


def _error_in(chunk: bytes) -> str | None:
    for line in chunk.split(b"\n"):
        line = line.strip()
        if line == b"event: error":
            return "error event"
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            return None
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict):
            if "error" in event:
                return str(event.get("error"))[:200]
            if event.get("choices"):
                return None
    return None
