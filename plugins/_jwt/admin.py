"""The jwt plugin's admin endpoints: revoke a token's ``jti``, and ask whether one is revoked.

``POST /-/jwt/revoke {"jti": ..., "exp": ...}`` denies the ``jti`` in the shared store until
the token would have expired anyway (``exp`` + leeway; without ``exp``, the plugin's
``revoke_default_ttl``); ``GET /-/jwt/revoked/{jti}`` says what the store holds now. Both are
on the admin listener only; the plugin mounts them (``Jwt.admin_routes``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugins._jwt.revocation import Denylist

MAX_JTI = 256


def revocation_routes(
    revoke: Callable[[str, float | None], Awaitable[float]], denylist: Denylist
) -> list[BaseRoute]:
    """The two routes; ``revoke(jti, exp)`` denies a jti and returns the seconds it stays."""

    async def post_revoke(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _bad("body must be JSON")
        jti = body.get("jti") if isinstance(body, dict) else None
        exp = body.get("exp") if isinstance(body, dict) else None
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI:
            return _bad(f'"jti" must be a string of 1..{MAX_JTI} characters')
        if exp is not None and (isinstance(exp, bool) or not isinstance(exp, int | float)):
            return _bad('"exp" must be a number (seconds since the epoch)')
        ttl = await revoke(jti, exp)
        return JSONResponse({"jti": jti, "revoked": ttl > 0, "ttl": round(ttl, 3)})

    async def get_revoked(request: Request) -> Response:
        jti = request.path_params["jti"]
        return JSONResponse({"jti": jti, "revoked": await denylist.is_listed(jti)})

    return [
        Route("/-/jwt/revoke", post_revoke, methods=["POST"]),
        Route("/-/jwt/revoked/{jti}", get_revoked, methods=["GET"]),
    ]


def _bad(message: str) -> Response:
    return JSONResponse({"error": message}, 400)
