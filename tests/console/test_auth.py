"""The console's locks, over plain HTTP: a wrong token, an expired or forged session, a
forged or missing CSRF token, a foreign Origin, a signed-out cookie — each refused, and
nothing changed. Also the headers every page carries (CSP without inline script)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from proxy.console.session import COOKIE, Sessions
from tests.console.conftest import TOKEN, Stack

pytestmark = pytest.mark.asyncio(loop_scope="module")


@asynccontextmanager
async def _signed_in(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as client:
        answer = await client.post("/-/ui/signin", data={"token": TOKEN})
        assert answer.status_code == 303 and answer.headers["location"] == "/-/ui/overview"
        yield client


def _csrf(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def _key_count(stack: Stack) -> int:
    answer = await stack.http.get(
        f"{stack.gw.admin_url}/-/api/keys", headers={"authorization": f"Bearer {TOKEN}"}
    )
    return int(answer.headers["x-total-count"])


async def test_a_wrong_or_missing_token_is_refused(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as client:
        for form in ({"token": TOKEN + "x"}, {"token": ""}, {}):
            answer = await client.post("/-/ui/signin", data=form)
            assert answer.status_code == 401
            assert COOKIE not in answer.cookies
        overview = await client.get("/-/ui/overview")
        assert overview.status_code == 303 and "/-/ui/signin" in overview.headers["location"]
    events = stack.gw.gateway.runtime.metrics.journal.events
    assert any(e.type == "console_signin_failed" for e in events)


async def test_an_expired_or_forged_session_is_refused(stack: Stack) -> None:
    sessions = Sessions(TOKEN)
    expired = sessions.sign("some-session", time.time() - 1)
    forged = Sessions(TOKEN + "-other").sign("some-session", time.time() + 3600)
    good = sessions.sign("some-session", time.time() + 3600)
    tampered = good[:-1] + ("1" if good.endswith("0") else "0")
    before = await _key_count(stack)
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as client:
        for cookie in (expired, forged, tampered, "garbage"):
            client.cookies.set(COOKIE, cookie, path="/-/ui")
            page = await client.get("/-/ui/keys")
            assert page.status_code == 303, cookie
            csrf = Sessions(TOKEN)._session("some-session", 0).csrf
            change = await client.post("/-/ui/keys", data={"csrf": csrf, "name": "sneaky"})
            assert change.status_code == 403, cookie
            client.cookies.clear()
    assert await _key_count(stack) == before


async def test_a_forged_or_missing_csrf_token_or_a_foreign_origin_is_refused(
    stack: Stack,
) -> None:
    async with _signed_in(stack) as client:
        page = await client.get("/-/ui/keys")
        assert page.status_code == 200
        csrf = _csrf(page.text)
        before = await _key_count(stack)
        for form, headers in (
            ({"name": "no-csrf"}, {}),
            ({"name": "forged", "csrf": "0" * 64}, {}),
            ({"name": "foreign", "csrf": csrf}, {"origin": "http://evil.example"}),
            ({"name": "null-origin", "csrf": csrf}, {"origin": "null"}),
        ):
            answer = await client.post("/-/ui/keys", data=form, headers=headers)
            assert answer.status_code == 403, form
            assert "key" not in answer.text.lower() or "sg-" not in answer.text
        assert await _key_count(stack) == before
        made = await client.post("/-/ui/keys", data={"name": "real", "csrf": csrf})
        assert made.status_code == 200 and 'id="new-secret"' in made.text
        assert await _key_count(stack) == before + 1


async def test_sign_out_ends_the_session_and_the_cookie_opens_no_api(stack: Stack) -> None:
    async with _signed_in(stack) as client:
        cookie = client.cookies.get(COOKIE)
        assert cookie and (await client.get("/-/ui/overview")).status_code == 200
        # The cookie is for the console only: the JSON API still wants the bearer token.
        api = await client.get("/-/api/keys")
        assert api.status_code == 401
        csrf = _csrf((await client.get("/-/ui/overview")).text)
        out = await client.post("/-/ui/signout", data={"csrf": csrf})
        assert out.status_code == 303
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as replay:
        replay.cookies.set(COOKIE, cookie, path="/-/ui")
        assert (await replay.get("/-/ui/overview")).status_code == 303


async def test_every_page_carries_a_strict_policy(stack: Stack) -> None:
    async with _signed_in(stack) as client:
        for path in ("/-/ui/signin", "/-/ui/overview", "/-/ui/keys", "/-/ui/spend"):
            answer = await client.get(path)
            assert answer.status_code == 200, path
            csp = answer.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            assert answer.headers["cache-control"] == "no-store"
            assert "<script>" not in answer.text and "style=" not in answer.text
            assert "http://" not in answer.text.replace("http://www.w3.org/2000/svg", "")
        bad = await client.get("/-/ui/spend", params={"month": "2026-13"})
        assert bad.status_code == 400 and "month" in bad.text


async def test_guessing_the_token_locks_the_address_out(stack: Stack) -> None:
    guesser = {"x-forwarded-for": "203.0.113.9"}  # via the trusted proxy (127.0.0.1)
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as client:
        statuses = [
            (
                await client.post("/-/ui/signin", data={"token": f"guess-{n}"}, headers=guesser)
            ).status_code
            for n in range(11)
        ]
        assert statuses == [401] * 9 + [401, 429], statuses
        right = await client.post("/-/ui/signin", data={"token": TOKEN}, headers=guesser)
        assert right.status_code == 429 and COOKIE not in right.cookies
        # Another address is not locked out.
        other = {"x-forwarded-for": "203.0.113.10"}
        assert (
            await client.post("/-/ui/signin", data={"token": TOKEN}, headers=other)
        ).status_code == 303
    events = stack.gw.gateway.runtime.metrics.journal.events
    locked = [e for e in events if e.type == "console_signin_locked"]
    assert [e.ip for e in locked] == ["203.0.113.9"]


async def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(stack: Stack) -> None:
    proxied = {
        "x-forwarded-proto": "https",
        "x-forwarded-host": "console.example",
        "x-forwarded-for": "198.51.100.7",
    }
    async with httpx.AsyncClient(base_url=stack.gw.admin_url, timeout=10) as client:
        plain_origin = {**proxied, "origin": stack.gw.admin_url}
        refused = await client.post("/-/ui/signin", data={"token": TOKEN}, headers=plain_origin)
        assert refused.status_code == 403 and COOKIE not in refused.cookies
        ok_origin = {**proxied, "origin": "https://console.example"}
        answer = await client.post("/-/ui/signin", data={"token": TOKEN}, headers=ok_origin)
        assert answer.status_code == 303
        set_cookie = answer.headers["set-cookie"].lower()
        assert "secure" in set_cookie and "httponly" in set_cookie
        assert "samesite=strict" in set_cookie and "path=/-/ui" in set_cookie
