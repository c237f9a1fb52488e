"""The console's routes under ``/-/ui``: sign-in, sign-out, static files, and the guard every
page passes (a signed session cookie; for a change, its CSRF token too).

The admin listener's bearer-token check lets ``/-/ui`` through (a browser cannot send a
bearer header on a link); this guard is the console's own check instead. Without
``server.admin_token`` there is nothing to sign in with, and the console says so.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from proxy.console.caller import caller_of
from proxy.console.client import AdminClient
from proxy.console.render import HEADERS, HERE, page
from proxy.console.session import COOKIE, SIGNED_OUT_PREFIX, Session, Sessions

if TYPE_CHECKING:
    from proxy.app import Gateway

ROOT = "/-/ui"
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
# Guessing the token: the 10th wrong one from an address within 5 minutes refuses every
# sign-in from it (even with the right token) for 5 minutes, in the shared state store.
LOCKOUT_AFTER = 10
LOCKOUT_SECONDS = 300.0
FAILURES_PREFIX = "console:signin_failures:"
LOCKOUT_PREFIX = "console:signin_locked:"


@dataclass
class Console:
    gateway: Gateway
    sessions: Sessions | None
    token: str | None

    @property
    def client(self) -> AdminClient:
        assert self.gateway.admin_app is not None and self.token is not None
        return AdminClient(self.gateway.admin_app, self.token)

    async def locked_out(self, address: str) -> bool:
        try:
            return await self.gateway.runtime.store.banned(LOCKOUT_PREFIX + address) is not None
        except Exception:  # the state store is down: the token check still stands
            return False

    async def failed_signin(self, address: str) -> None:
        """Count a wrong token; the tenth within 5 minutes locks the address out for 5."""
        journal = self.gateway.runtime.metrics.journal
        journal.event("console_signin_failed", "console", "wrong admin token", ip=address)
        store = self.gateway.runtime.store
        with contextlib.suppress(Exception):
            if await store.hit(FAILURES_PREFIX + address, LOCKOUT_SECONDS) >= LOCKOUT_AFTER:
                await store.ban(LOCKOUT_PREFIX + address, LOCKOUT_SECONDS)
                journal.event(
                    "console_signin_locked",
                    "console",
                    f"{LOCKOUT_AFTER} wrong tokens: sign-in refused for {LOCKOUT_SECONDS:.0f}s",
                    ip=address,
                )

    async def signed_out(self, session: Session) -> bool:
        try:
            return await self.gateway.runtime.store.get(SIGNED_OUT_PREFIX + session.id) is not None
        except Exception:  # the state store is down: a signed cookie is still checked by MAC
            return False


Handler = Callable[[Console, Request, Session], Awaitable[Response]]


def guard(console: Console, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Signed in (else to the sign-in page); for a POST, a matching CSRF token (else 403)."""

    async def run(request: Request) -> Response:
        sessions = console.sessions
        session = sessions.read(request.cookies.get(COOKIE)) if sessions else None
        if session is None or sessions is None or await console.signed_out(session):
            if request.method != "GET":
                return page("refused.html", 403, reason="Your session has ended; sign in again.")
            return RedirectResponse(f"{ROOT}/signin?expired=1", 303, headers=HEADERS)
        if request.method == "POST":
            form = await request.form()
            csrf = form.get("csrf")
            if not sessions.csrf_ok(
                session, csrf if isinstance(csrf, str) else None
            ) or not caller_of(console.gateway, request).same_origin(request):
                return page("refused.html", 403, reason="The form's CSRF token is not valid.")
        return await handler(console, request, session)

    return run


def routes(console: Console, pages: list[tuple[str, Handler, str]]) -> list[BaseRoute]:
    async def home(request: Request) -> Response:
        return RedirectResponse(f"{ROOT}/overview", 303, headers=HEADERS)

    async def signin_form(request: Request) -> Response:
        return page(
            "signin.html",
            expired=request.query_params.get("expired") == "1",
            configured=console.sessions is not None,
        )

    async def signin(request: Request) -> Response:
        if console.sessions is None:
            return page("signin.html", 403, configured=False)
        form = await request.form()
        offered = form.get("token")
        caller = caller_of(console.gateway, request)
        address = caller.address
        if await console.locked_out(address):
            return page("signin.html", 429, configured=True, locked=True)
        if not caller.same_origin(request):
            return page("refused.html", 403, reason="Sign in from the console's own page.")
        if not isinstance(offered, str) or not console.sessions.token_matches(offered):
            await console.failed_signin(address)
            return page("signin.html", 401, configured=True, failed=True)
        session, cookie = console.sessions.issue()
        response = RedirectResponse(f"{ROOT}/overview", 303, headers=HEADERS)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(session.expires - time.time()),
            path=ROOT,
            httponly=True,
            secure=caller.https,
            samesite="strict",
        )
        return response

    async def signout(console: Console, request: Request, session: Session) -> Response:
        left = max(1.0, session.expires - time.time())
        with contextlib.suppress(Exception):  # the cookie is deleted below either way
            await console.gateway.runtime.store.set(SIGNED_OUT_PREFIX + session.id, b"1", left)
        response = RedirectResponse(f"{ROOT}/signin", 303, headers=HEADERS)
        response.delete_cookie(COOKIE, path=ROOT, httponly=True, samesite="strict")
        return response

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return page("refused.html", 404, reason="No such file.")
        return FileResponse(
            HERE / "static" / name,
            media_type=STATIC[name],
            headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"},
        )

    table: list[BaseRoute] = [
        Route(ROOT, home, methods=["GET"]),
        Route(f"{ROOT}/", home, methods=["GET"]),
        Route(f"{ROOT}/signin", signin_form, methods=["GET"]),
        Route(f"{ROOT}/signin", signin, methods=["POST"]),
        Route(f"{ROOT}/signout", guard(console, signout), methods=["POST"]),
        Route(f"{ROOT}/static/{{name}}", static, methods=["GET"]),
    ]
    for path, handler, method in pages:
        table.append(Route(f"{ROOT}{path}", guard(console, handler), methods=[method]))
    return table
