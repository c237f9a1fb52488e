"""The UpstreamClient seam: send a request, get status, headers and an async chunk iterator.

Everything above it (balancing, retries, breakers) is policy; everything below is I/O. The
production implementation uses aiohttp (``aiohttp_client.py``); the built-in mock provider
implements the same seam in-process, so the real retry, breaker and balancer code runs for it.
Like httpx's transports, this is the only thing a new kind of provider has to implement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class UpstreamRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | AsyncIterator[bytes] | None
    connect_timeout: float = 2.0
    first_byte_timeout: float = 30.0
    idle_timeout: float = 60.0


class UpstreamResponse(Protocol):
    """A provider's answer: status, headers, the body in chunks — and three abilities a client
    may or may not have, declared here so the core calls them directly (``BasicResponse``
    gives a client without them the answers that mean "cannot")."""

    status: int
    headers: RawHeaders

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; raises UpstreamError if the provider fails mid-body."""
        ...

    async def aclose(self) -> None:
        """Release the connection (closing it when the body was not read to the end)."""
        ...

    def body_done(self) -> bool:
        """True once the chunk just handed out completed the body: the gateway then ends the
        client's response with that chunk instead of an empty last message after it. A
        client that cannot tell answers False."""
        ...

    async def peek(self) -> bytes | None:
        """Read the first chunk now, ``chunks()`` still starting with it (and timing the
        read itself); None when the client cannot put a chunk back."""
        ...

    def released(self) -> bool:
        """True when ``aclose`` has nothing left to do (the body was read to its end and the
        connection went back by itself): the core then makes no coroutine for it. A client
        that cannot tell answers False."""
        ...


class BasicResponse:
    """Base of a response without the optional abilities: it cannot tell when its body is
    done or released, and cannot put a chunk back."""

    __slots__ = ()

    def body_done(self) -> bool:
        return False

    def released(self) -> bool:
        return False

    async def peek(self) -> bytes | None:
        return None


class UpstreamClient(Protocol):
    async def send(self, request: UpstreamRequest) -> UpstreamResponse: ...

    async def close(self) -> None: ...


class UpstreamError(Exception):
    """The provider could not be reached or broke the protocol.

    ``kind`` is ``"connect"``, ``"timeout"`` or ``"protocol"`` — the words retry policies use
    — or ``"busy"`` (the gateway's own pool to the provider is full; see UpstreamBusy).
    ``phase`` says when it happened for timeouts: connect, first_byte, idle or total.
    """

    kind = "protocol"

    def __init__(self, message: str, phase: str = "") -> None:
        super().__init__(message)
        self.phase = phase


class UpstreamConnectError(UpstreamError):
    kind = "connect"


class UpstreamTimeout(UpstreamError):
    kind = "timeout"


class UpstreamBusy(UpstreamError):
    """Every connection to the provider was in use for longer than the pool wait: nothing
    was sent. Not the provider's failure (no breaker counts it); the client gets a 503 with
    ``Retry-After``, or another target if the group has a free one."""

    kind = "busy"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
