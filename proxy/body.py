"""Moving a response body to the client, and small helpers of the request path.

``pump`` is the one loop every response body passes through — the provider's, a cached
replay, or an error the gateway made — so usage metering, plugin body filters and the total
timeout behave the same for all of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from operator import itemgetter
from typing import Any

from starlette.responses import Response, StreamingResponse

from proxy.apis import error_for
from proxy.chain import ChunkFilter
from proxy.errors import GatewayError
from proxy.exchange import Exchange
from proxy.headers import Headers
from proxy.upstream.client import UpstreamTimeout
from proxy.upstream.lease import Lease
from proxy.usage import UsageMeter

Send = Any


def render(
    ex: Exchange, answer: Response | GatewayError
) -> tuple[bytes, AsyncIterator[bytes] | None]:
    if isinstance(answer, GatewayError):
        # In the client's API's own shape (Anthropic's for /v1/messages), so its SDK raises
        # its own typed error.
        body = error_for(ex.path)[0](answer.status, answer.type, answer.message, ex.request_id)
        headers = Headers(
            headers={"content-type": "application/json", "content-length": str(len(body))}
        )
        for key, value in answer.headers.items():
            headers[key] = value
        if answer.status in (429, 503) and "retry-after" not in headers:
            headers["retry-after"] = "1"
        ex.status, ex.response_headers = answer.status, headers
        return body, None
    ex.status = answer.status_code
    ex.response_headers = Headers(raw=list(answer.raw_headers))
    if isinstance(answer, StreamingResponse):
        return b"", as_bytes(answer.body_iterator)
    return bytes(answer.body), None


async def pump(
    ex: Exchange,
    chunks: AsyncIterator[bytes],
    filters: list[ChunkFilter],
    send: Send,
    meter: UsageMeter | None = None,
    deadline: float = math.inf,
    body_done: Callable[[], bool] | None = None,
) -> None:
    """Pass the body through: the usage meter first (it sees the provider's bytes), then
    the plugins' filters in onion order; one last filter call with ``end=True``.

    ``deadline`` is the route's total timeout, checked as chunks arrive: silence between
    chunks is bounded by the idle timeout, so no timer per request is needed.

    ``body_done`` says whether the chunk just read completed the provider's body. When no
    filter or meter still has bytes to add at the end, that chunk ends the response itself:
    one ASGI send per response fewer, which is most of a small JSON answer's send cost.
    """
    clock = time.perf_counter
    if filters or (meter is not None and meter.holds_back):
        body_done = None
    async for chunk in chunks:
        if clock() > deadline:
            raise UpstreamTimeout("the response exceeded the total timeout", "total")
        if meter is not None:
            chunk = meter.feed(chunk)
        for body_filter in filters:
            chunk = await body_filter(ex, chunk, False)
        if body_done is not None and body_done():
            if meter is not None:
                meter.finish()
            await send({"type": "http.response.body", "body": chunk, "more_body": False})
            return
        if chunk:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    last = b""
    if meter is not None:
        last = meter.flush()
        meter.finish()
    for body_filter in filters:
        last = await body_filter(ex, last, True)
    await send({"type": "http.response.body", "body": last, "more_body": False})


def settle_usage(ex: Exchange, meter: UsageMeter, lease: Lease) -> None:
    meter.finish()
    usage = ex.usage
    if not usage.reported:
        return
    usage.provider = lease.provider.name
    usage.model = ex.upstream_model or ex.model
    if usage.model is not None:
        usage.cost = (
            lease.provider.cost(usage.model, usage.input_tokens, usage.output_tokens) or 0.0
        )
        if usage.unit is not None:
            usage.cost += lease.provider.unit_cost(usage.model, usage.unit, usage.units)


async def single(body: bytes) -> AsyncIterator[bytes]:
    yield body


async def as_bytes(iterator: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    async for part in iterator:
        yield part.encode() if isinstance(part, str) else bytes(part)


async def remember_failure(ex: Exchange, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass a streamed body on; a policy's refusal raised inside it is kept on the exchange,
    because the client library sending it upstream would replace it with its own error."""
    try:
        async for chunk in stream:
            yield chunk
    except GatewayError as error:
        ex.body_error = error
        raise


def ensure_request_id(ex: Exchange) -> None:
    """Every response names its request: the id is appended unless a header of that name is
    there (``request_id`` sets its own, a plugin may have). The names are asked in C, over
    the list starlette keeps (lower-case bytes), instead of through starlette's
    ``__contains__``, a Python loop called from C (~5.6 k -> ~3 k instructions for 12
    headers)."""
    raw = ex.response_headers.raw
    if _REQUEST_ID not in map(_name, raw):  # known absent: append, no search to set
        raw.append((_REQUEST_ID, ex.request_id.encode("latin-1")))


_REQUEST_ID = b"x-request-id"
_name = itemgetter(0)
