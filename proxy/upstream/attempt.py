"""One attempt at one target: the request as that target's provider takes it, sent, and its
outcome booked — in-flight count, breaker, quota, time to first byte, the attempt metric and
span — exactly once, whichever way it ends. Which target, and whether to try again, is the
group's business (``proxy.upstream.group``).
"""

from __future__ import annotations

import logging
import time

from proxy.config.upstreams import TimeoutsConfig
from proxy.errors import GatewayError
from proxy.exchange import Exchange
from proxy.multipart import replace_field
from proxy.translate.response import TranslatedResponse
from proxy.upstream.breaker import Permit
from proxy.upstream.client import UpstreamBusy, UpstreamError, UpstreamResponse
from proxy.upstream.lease import Lease, block_on_retry_after, is_event_stream, peek_stream_error
from proxy.upstream.observer import GroupObserver
from proxy.upstream.outbound import Outbound, Translated
from proxy.upstream.outcomes import as_gateway_error, busy_error, status_class
from proxy.upstream.provider import Provider, with_model
from proxy.upstream.target import Target

log = logging.getLogger("sluicegate.upstream")


async def send_attempt(
    ex: Exchange,
    out: Outbound,
    target: Target,
    provider: Provider,
    permit: Permit,
    reason: str | None,
    translated: Translated | None,
    timeouts: TimeoutsConfig,
    observer: GroupObserver,
) -> Lease | GatewayError:
    """Send ``out`` to ``target`` (its provider's form of it); a Lease on any answer, the
    gateway's error when none came. Whatever way it ends, the target hears of it once."""
    model = target.serves(out.alias) if out.alias else None
    if translated is not None:
        wire = translated.translator.wire
        request = provider.request(
            out.method,
            "/v1" + wire.suffix,
            out.query,
            [h for h in out.headers if h[0] != "accept-encoding"],  # the body is read here
            translated.body,
            timeouts,
            wire,
            model,
        )
    else:
        body = out.body
        if model is not None and model != out.alias:
            if out.payload is not None:
                body = with_model(out.payload, model)
            elif out.boundary is not None and isinstance(body, bytes):
                body = replace_field(body, out.boundary, b"model", model.encode())
        request = provider.request(
            out.method,
            out.path,
            out.query,
            out.headers,
            body,
            timeouts,
            out.api,
            model,
        )
    ex.target, ex.upstream_model = target.provider_name, model
    trace = ex.trace
    span = None
    if trace is not None:
        propagation = out.propagation or provider.adds_propagation
        span = trace.attempt(
            target.provider_name, ex.attempts, reason, request.headers, propagation
        )
    target.stats.start()
    assert target.quota is not None
    target.quota.record_request()
    started = time.perf_counter()
    try:
        response: UpstreamResponse = provider.kind.adapt(await provider.client.send(request))
        if translated is not None:
            response = TranslatedResponse(response, translated.translator, translated.call)
        stream_error: str | None = None
        if response.status == 200 and is_event_stream(response.headers):  # else: no peek
            stream_error, response = await peek_stream_error(response, timeouts)
    except UpstreamBusy as exc:
        target.stats.finish()
        target.breaker.cancel(permit)  # the provider was never asked
        observer.attempt(target.provider_name, exc.kind, None)
        if span is not None:
            span.end(None, exc.kind)
        return busy_error(exc)
    except UpstreamError as exc:
        target.stats.finish()
        target.stats.record(False)
        target.breaker.record(permit, False)
        observer.attempt(target.provider_name, exc.kind, None)
        log.info(
            "attempt to %s failed: %s",
            target.provider_name,
            exc,
            extra={"request_id": ex.request_id},
        )
        if span is not None:
            span.end(None, exc.kind)
        return as_gateway_error(exc)
    except BaseException:
        target.stats.finish()
        target.breaker.cancel(permit)
        observer.attempt(target.provider_name, "cancelled", None)
        if span is not None:
            span.end(None, "cancelled")
        raise
    if span is not None:
        span.end(response.status, "stream_error" if stream_error else None)
    first_byte_at = time.perf_counter()
    ttfb = first_byte_at - started
    target.stats.observe_ttfb(ttfb)
    observer.attempt(
        target.provider_name,
        "stream_error" if stream_error else status_class(response.status),
        ttfb,
    )
    block_on_retry_after(target.quota, response)
    ex.first_byte_at = first_byte_at
    return Lease(response, target, provider, permit, stream_error, usage=ex.usage)
