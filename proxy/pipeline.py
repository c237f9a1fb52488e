"""The request path: route, request phase, upstream, response phase, body filters, complete.

This is the hot path, so it is a plain ASGI handler with no framework in between, and it
does only what this request needs: the body is read only for JSON (model routing) or when
a plugin asks; the disconnect watcher runs only once the body is in.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.responses import Response

from proxy.allowlist import enforce_allowed_model
from proxy.apis import ClientApi, client_api, openai_stream_error
from proxy.body import (
    ensure_request_id,
    pump,
    remember_failure,
    render,
    settle_usage,
    single,
)
from proxy.chain import Chain, ChunkFilter
from proxy.clientip import ClientIpResolver, normalise
from proxy.disconnect import DisconnectWatcher
from proxy.errors import GatewayError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.forward import ProviderHeaders, upstream_headers
from proxy.headers import Headers
from proxy.multipart import boundary_of, form_field
from proxy.observe.report import Reporter
from proxy.requestbody import ClientDisconnected
from proxy.requesttarget import canonical_path
from proxy.routing import Route, RouteTable
from proxy.upstream.breaker import is_failure
from proxy.upstream.client import UpstreamError, UpstreamTimeout
from proxy.upstream.lease import Lease
from proxy.upstream.outbound import Outbound
from proxy.usage import UsageMeter, request_usage_event

log = logging.getLogger("sluicegate.proxy")

Send = Any


class RequestIds:
    """Unique, unguessable-enough request ids without a system call per request: a random
    per-process prefix and a counter (os.urandom per request was measurable)."""

    def __init__(self) -> None:
        self._prefix = os.urandom(5).hex()
        self._counter = itertools.count(random.getrandbits(24))

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):06x}"


class Pipeline:
    def __init__(
        self, routes: RouteTable, resolver: ClientIpResolver, max_body: int, reporter: Reporter
    ) -> None:
        self.routes = routes
        self.resolver = resolver
        self.max_body = max_body
        self.reporter = reporter
        self._ids = RequestIds()
        self._disconnects = DisconnectWatcher()
        # Requests in ``handle``, complete phase included (what a retiring runtime waits
        # for); ``idle`` is made only when one retires, and set when the count drops to 0.
        self.in_flight = 0
        self.idle: asyncio.Event | None = None

    async def handle(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        client = scope.get("client")
        peer = client[0] if client else ""
        ex = Exchange(scope, receive, client_ip=normalise(peer), max_body=self.max_body)
        if self.resolver.enabled:
            resolver = self.resolver
            ex.client_ip = resolver.resolve(peer, resolver.field_lines(scope["headers"]))
        ex.request_id = self._ids.next()
        route: Route | None = None
        self.in_flight += 1
        try:
            # One canonical path for routing, conditions, plugins, metering and the provider
            # URL; an ambiguous one is refused before anything judges it.
            ex.path = scope["path"] = canonical_path(scope)
            if ex.content_encoded:
                # Limits and scans judge the bytes they read; an inflating provider would
                # see other ones (100 KB of gzip became 100 MB). Refused, not decoded: no SDK
                # compresses requests (issue 17, L13).
                raise GatewayError(
                    415,
                    "unsupported_content_encoding",
                    "request bodies with a Content-Encoding are not accepted; send it uncompressed",
                )
            route = self.routes.match(ex.method, ex.path, scope["headers"])
            if route is None:
                raise GatewayError(404, "route_not_found", f"no route for {ex.method} {ex.path}")
            ex.route_name = route.name
            chain = route.chain
            try:
                local: Response | GatewayError | None = await chain.run_request(ex)
            except GatewayError as error:
                local = error
            if local is None:
                await self._forward(ex, route, send)
            else:  # answered (or refused) by a plugin, through the plugins that already ran
                await self._answer(ex, chain, local, send)
        except GatewayError as error:
            if not ex.response_started:
                await self._answer(ex, None, error, send)
            else:  # e.g. a body filter refusing mid-stream: the status line is long gone
                log.warning(
                    "refused after the response started: %s",
                    error,
                    extra={"request_id": ex.request_id},
                )
        except ClientDisconnected:
            ex.status = ex.status or 499
        except Exception:
            log.exception("unexpected error", extra={"request_id": ex.request_id})
            if not ex.response_started:
                await self._answer(
                    ex,
                    None,
                    GatewayError(500, "internal_error", "the gateway failed unexpectedly"),
                    send,
                )
            else:
                ex.status = 500
        finally:
            try:
                try:
                    self.reporter.completed(ex)
                except Exception:  # reporting never costs the complete hooks (budgets, limits)
                    log.exception("reporting failed", extra={"request_id": ex.request_id})
                if route is not None and route.chain.has_complete:
                    # After the last byte went out, in this task: cheaper than a task per
                    # request, still invisible to the client, and counted as in flight so a
                    # reload or a shutdown waits for it.
                    await route.chain.run_complete(ex)
            finally:
                self.in_flight -= 1
                if self.in_flight == 0 and self.idle is not None:
                    self.idle.set()

    # -- forwarding ---------------------------------------------------------------------------

    async def _forward(self, ex: Exchange, route: Route, send: Send) -> None:
        chain = route.chain
        try:
            if ex.identity is not None and ex.identity.allowed_models is not None:
                await enforce_allowed_model(ex)  # the model is final now: no plugin rewrites it
            filters = chain.chunk_filters(ex)
            out = await self._outbound(ex, route)
            models = self._local_model_list(ex, route)
            if models is not None:
                await self._answer(ex, chain, models, send)
                return
            # ``async with watch`` spelled out: two coroutines fewer for the common request,
            # whose client stayed and which ended before any watcher task was needed.
            watch = self._disconnects.watch(ex)
            try:
                group = route.upstream
                priority = group.priority_of(ex) if group.priority_of is not None else 0
                lease = await group.open(ex, out, priority)
                await self._relay(ex, chain, filters, lease, send, route, out)
            except BaseException as exc:
                if not watch.settled():
                    await watch.close(type(exc))  # ClientDisconnected for a client that left
                raise
            if not watch.settled():
                await watch.close(None)
        except GatewayError as error:
            if ex.response_started:
                raise
            # A policy that refused the body while it streamed upstream (a size limit, a
            # scan) is the real answer, not the broken upstream request it caused.
            await self._answer(ex, chain, ex.body_error or error, send)

    async def _outbound(self, ex: Exchange, route: Route) -> Outbound:
        body: bytes | AsyncIterator[bytes] | None = None
        payload: dict[str, Any] | None = None
        alias: str | None = None
        injected = False
        boundary: bytes | None = None
        api = client_api(ex.path)
        if ex.method in BODY_METHODS and ex.is_json:
            parsed = await ex.json()
            if isinstance(parsed, dict):
                payload = parsed
                model = parsed.get("model")
                alias = model if isinstance(model, str) else None
                if api is not None and api.usage_event and request_usage_event(parsed):
                    injected = True
                    ex.set_json(parsed)
            body = await ex.body()
        elif (
            api is not None
            and api.body == "multipart"
            and ex.may_have_body
            and (boundary := boundary_of(ex.media_type_header)) is not None
        ):
            # An audio upload: its model is a form field, read to route and map it.
            body = await ex.body()
            alias = form_field(body, boundary, b"model")
        elif ex.body_loaded:
            body = await ex.body()
        elif ex.method in BODY_METHODS and ex.has_body:
            body = remember_failure(ex, ex.body_stream())
        ex.model = alias
        peer = ex.scope["client"][0] if ex.scope.get("client") else ""
        trusted = self.resolver.enabled and self.resolver.is_trusted(peer)
        headers, propagation = upstream_headers(
            ex.request_headers.raw,
            peer=peer,
            scheme=ex.scope.get("scheme", "http"),
            forwarded_for=", ".join(ex.request_headers.getlist("x-forwarded-for"))
            if trusted
            else None,
        )
        path = ex.path
        strip = route.config.strip_prefix
        if strip is not None and path.startswith(strip):
            path = path[len(strip) :] or "/"
        return Outbound(
            ex.method,
            path,
            ex.query_string,
            headers,
            body,
            payload,
            alias,
            retry=route.config.retry,
            usage_injected=injected,
            api=api,
            boundary=boundary,
            propagation=propagation,
        )

    @staticmethod
    def _local_model_list(ex: Exchange, route: Route) -> Response | None:
        """GET /v1/models answered with the public aliases when every target maps its models,
        and only those the caller's key or token may use."""
        aliases = route.upstream.all_aliases
        if ex.method != "GET" or not ex.path.endswith("/models") or aliases is None:
            return None
        allowed = ex.identity.allowed_models if ex.identity is not None else None
        if allowed is not None:
            aliases = [a for a in aliases if a in allowed]
        data = [
            {"id": a, "object": "model", "created": 0, "owned_by": "sluicegate"} for a in aliases
        ]
        return Response(
            orjson.dumps({"object": "list", "data": data}), media_type="application/json"
        )

    async def _relay(
        self,
        ex: Exchange,
        chain: Chain,
        filters: list[ChunkFilter],
        lease: Lease,
        send: Send,
        route: Route,
        out: Outbound,
    ) -> None:
        response = lease.response
        api = out.api
        metering = response.status == 200 and api is not None and api.meter != "none"
        provided = ProviderHeaders(response.headers, keep_length=not filters)
        if metering and provided.encoded:
            # Asked for identity, answered compressed: the usage block cannot be read, so the
            # answer would go unmetered (issue 17, H3). Refused rather than given away.
            await lease.close(False)
            raise GatewayError(
                502, "upstream_error", "the provider sent a compressed answer it was not asked for"
            )
        ex.status = response.status
        ex.response_headers = Headers(raw=provided.headers)
        ex.streaming = provided.event_stream
        try:
            await chain.run_response(ex)
        except BaseException:
            await lease.close(None)
            raise
        success = not is_failure(ex.status, None)
        meter = _meter(ex, api, out.usage_injected) if metering and api is not None else None
        ensure_request_id(ex)
        await send(
            {"type": "http.response.start", "status": ex.status, "headers": ex.response_headers.raw}
        )
        ex.response_started = True
        deadline = ex.started_at + route.upstream.config.timeouts.total
        try:
            await pump(ex, response.chunks(), filters, send, meter, deadline, response.body_done)
        except (UpstreamError, TimeoutError) as exc:
            success = False
            await self._end_broken_stream(ex, exc, send)
        except BaseException:
            await lease.close(None)
            raise
        finally:
            if meter is not None:
                settle_usage(ex, meter, lease)
        if not lease.closed_now(success):
            await lease.close(success)

    @staticmethod
    async def _end_broken_stream(ex: Exchange, exc: Exception, send: Send) -> None:
        timeout = isinstance(exc, TimeoutError | UpstreamTimeout)
        status, kind = (504, "upstream_timeout") if timeout else (502, "upstream_error")
        log.warning("upstream stream broke: %s", exc or kind, extra={"request_id": ex.request_id})
        ex.record_event("upstream_stream_error", "core", kind)
        if not ex.streaming:
            raise ClientDisconnected() from exc  # abort: a truncated body must look truncated
        message = "the provider failed mid-stream" if not timeout else "the provider stalled"
        api = client_api(ex.path)
        render_error = api.stream_error if api is not None else openai_stream_error
        await send(
            {
                "type": "http.response.body",
                "body": render_error(status, kind, message, ex.request_id),
                "more_body": False,
            }
        )

    # -- local answers --------------------------------------------------------------------------

    async def _answer(
        self, ex: Exchange, chain: Chain | None, answer: Response | GatewayError, send: Send
    ) -> None:
        """Send a response the gateway made itself, through the plugins that already ran."""
        body, stream = render(ex, answer)
        filters: list[ChunkFilter] = []
        if chain is not None:
            try:
                await chain.run_response(ex)
            except GatewayError as error:
                body, stream = render(ex, error)
            filters = chain.chunk_filters(ex)
            if filters and "content-length" in ex.response_headers:
                del ex.response_headers["content-length"]
        ensure_request_id(ex)
        await send(
            {"type": "http.response.start", "status": ex.status, "headers": ex.response_headers.raw}
        )
        ex.response_started = True
        await pump(ex, stream if stream is not None else single(body), filters, send)


def _meter(ex: Exchange, api: ClientApi, usage_injected: bool) -> UsageMeter:
    """The usage meter for this API: speech is priced by the characters it was asked to say
    (its body is audio), images by the pictures in the answer when no tokens are reported."""
    units: tuple[float, str] | None = None
    if api.meter == "speech":
        payload = ex.parsed_json
        text = payload.get("input") if isinstance(payload, dict) else None
        units = (float(len(text)), "characters") if isinstance(text, str) else None
        return UsageMeter(ex, False, False, binary=True, units=units)
    if api.meter == "images":
        units = (0.0, "images")
    return UsageMeter(ex, ex.streaming, usage_injected, units=units)
