"""The admin listener: health, readiness, metrics, status — and routes plugins contribute.

It is a small Starlette app served on its own address, away from the proxy path, so that
probes and scrapes keep working while the proxy port is saturated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from proxy import __version__

if TYPE_CHECKING:
    from proxy.app import Gateway


def build_admin(gateway: Gateway, reload: Any = None) -> Starlette:
    """``reload`` is an async callable returning (ok, message) for POST /-/reload."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def ready(request: Request) -> Response:
        if not gateway.started or gateway.stopping:
            return JSONResponse({"ready": False, "reason": "starting or stopping"}, 503)
        ok, down = gateway.runtime.ready()
        if not ok:
            return JSONResponse(
                {"ready": False, "reason": "no available target", "upstreams": down}, 503
            )
        return JSONResponse({"ready": True, "config_version": gateway.runtime.version})

    async def metrics(request: Request) -> Response:
        return Response(
            gateway.runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    async def status(request: Request) -> Response:
        return JSONResponse(gateway.runtime.status())

    async def do_reload(request: Request) -> Response:
        if reload is None:
            return PlainTextResponse("reload is not available", 404)
        ok, message = await reload()
        return JSONResponse(
            {"reloaded": ok, "message": message, "config_version": gateway.runtime.version},
            200 if ok else 422,
        )

    routes: list[BaseRoute] = [
        Route("/-/health", health),
        Route("/-/ready", ready),
        Route("/-/metrics", metrics),
        Route("/-/status", status),
        Route("/-/reload", do_reload, methods=["POST"]),
    ]
    for chain in gateway.runtime.chains.values():
        for plugin in chain.plugins:
            routes.extend(plugin.admin_routes())
    return Starlette(routes=routes)
