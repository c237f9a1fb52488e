"""The admin listener: health, readiness, metrics, status — and routes plugins contribute.

It is a small Starlette app served on its own address, away from the proxy path, so that
probes and scrapes keep working while the proxy port is saturated. With ``admin_token`` set,
every route but the two probes (which orchestrators call without credentials) requires
``Authorization: Bearer <token>``: status shows the topology, and reload, ban lifting and
token revocation change what the gateway does.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from proxy import __version__
from proxy.console import console_routes
from proxy.errors import error_body
from proxy.keys.api import build_routes, token_digest

if TYPE_CHECKING:
    from proxy.app import Gateway


OPEN_PATHS = frozenset({"/-/health", "/-/ready"})
# The console checks its own session cookie and CSRF token (proxy/console/app.py).
CONSOLE_PREFIX = "/-/ui"


def build_admin(gateway: Gateway, reload: Any = None) -> ASGIApp:
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
        down_state = await gateway.runtime.state_ready()
        if down_state is not None:
            return JSONResponse(
                {"ready": False, "reason": "state store unavailable", "error": down_state}, 503
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
    token = gateway.runtime.loaded.config.server.admin_token
    secret = token.get_secret_value() if token is not None else None
    routes.extend(build_routes(gateway.runtime.keys, token_digest(secret)))
    routes.extend(console_routes(gateway, secret))
    app = Starlette(routes=routes)
    return app if token is None else RequireToken(app, token)


class RequireToken:
    """401 in the error envelope unless the request carries the admin bearer token."""

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self._expected = f"Bearer {token.get_secret_value()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if (
            scope["type"] != "http"
            or path in OPEN_PATHS
            or path == CONSOLE_PREFIX
            or path.startswith(CONSOLE_PREFIX + "/")
            or self._allowed(scope)
        ):
            await self.app(scope, receive, send)
            return
        refusal = Response(
            error_body(401, "unauthorized", "the admin API needs its bearer token", None),
            401,
            {"www-authenticate": 'Bearer realm="sluicegate-admin"'},
            media_type="application/json",
        )
        await refusal(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        for key, value in scope["headers"]:
            if key == b"authorization":
                return hmac.compare_digest(value, self._expected)
        return False
