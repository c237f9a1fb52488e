"""The console in a real Chromium against a real gateway and a fake provider: sign in, watch a
target fail and recover, create/use/revoke a key, see spend, see an auto-ban and lift it.
Each test leaves a screenshot under artifacts/console/ (git-ignored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.console.conftest import TOKEN, Stack
from tests.fixtures.browser import chromium, screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """The one Chromium these tests share (a Playwright BrowserContext)."""
    async with chromium() as context:
        yield context


@pytest_asyncio.fixture(loop_scope="module")
async def page(stack: Stack, browser: Any) -> AsyncIterator[Any]:
    """A signed-in tab (the sign-in itself is tested below)."""
    tab = await browser.new_page()
    tab.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await sign_in(tab, stack, TOKEN)
    yield tab
    await tab.close()


async def sign_in(tab: Any, stack: Stack, token: str) -> None:
    await tab.goto(f"{stack.ui}/signin")
    await tab.fill("#token", token)
    await submit(tab, "main button[type=submit]")


async def submit(tab: Any, selector: str | Any) -> None:
    """Click a submit button and wait for the page it leads to."""
    async with tab.expect_navigation():
        if isinstance(selector, str):
            await tab.click(selector)
        else:
            await selector.click()


async def until_page(tab: Any, check: Callable[[], Awaitable[bool]], tries: int = 100) -> None:
    """Reload ``tab`` until ``check`` holds (bounded: ``tries`` reloads, 100 ms apart)."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.1)
        await tab.reload()
    raise AssertionError(f"not seen after {tries} reloads of {tab.url}")


async def test_sign_in_shows_the_overview_and_a_wrong_token_is_refused(
    stack: Stack, browser: Any
) -> None:
    tab = await browser.new_page()
    await sign_in(tab, stack, TOKEN + "-wrong")
    assert await tab.locator("#signin-error").is_visible()
    assert tab.url.endswith("/-/ui/signin")
    await sign_in(tab, stack, TOKEN)
    assert tab.url.endswith("/-/ui/overview")
    version = await tab.locator("#config-version").inner_text()
    assert version == stack.gw.gateway.runtime.version
    row = tab.locator("#targets tr[data-provider=fake]")
    assert "healthy" in await row.locator(".health").inner_text()
    assert await row.locator(".breaker").inner_text() == "closed"
    cookies = await browser.cookies(f"{stack.ui}/overview")
    session = next(c for c in cookies if c["name"] == "sg_console")
    assert session["httpOnly"] and session["sameSite"] == "Strict" and not session["secure"]
    assert TOKEN not in session["value"]
    await tab.screenshot(path=screenshot_path("signin-overview"), full_page=True)
    await tab.close()


async def test_a_target_turns_unhealthy_when_its_provider_fails_and_recovers(
    stack: Stack, page: Any
) -> None:
    health = page.locator("#targets tr[data-provider=fake] .health")
    stack.provider.mode = "500"  # every call and health probe now fails
    try:
        await until_page(page, lambda: _has(health, "unhealthy"))
        await page.screenshot(path=screenshot_path("target-unhealthy"), full_page=True)
    finally:
        stack.provider.mode = "ok"
    await until_page(page, lambda: _is(health, "healthy"))
    await page.screenshot(path=screenshot_path("target-recovered"), full_page=True)


async def test_a_key_created_in_the_console_works_and_revoked_is_refused(
    stack: Stack, page: Any
) -> None:
    await page.goto(f"{stack.ui}/keys")
    await page.fill("#key-name", "browser-made")
    await submit(page, "#create-key")
    secret = (await page.locator("#new-secret").inner_text()).strip()
    assert secret.startswith("sg-")
    await page.screenshot(path=screenshot_path("key-created"), full_page=True)
    answer = await stack.chat(secret)
    assert answer.status_code == 200, answer.text
    # Shown once: the list shows the prefix, never the secret again.
    await page.goto(f"{stack.ui}/keys")
    assert secret not in await page.content()
    row = page.locator("#keys tr", has_text="browser-made")
    await submit(page, row.locator("button.danger"))
    assert await page.locator("#done").is_visible()
    assert "revoked" in await row.locator(".status").inner_text()
    refused = await stack.chat(secret)
    assert refused.status_code == 401
    await page.screenshot(path=screenshot_path("key-revoked"), full_page=True)


async def test_requests_show_up_in_the_spend_view(stack: Stack, page: Any) -> None:
    await page.goto(f"{stack.ui}/keys")
    await page.fill("#key-name", "spender")
    await submit(page, "#create-key")
    secret = (await page.locator("#new-secret").inner_text()).strip()
    key_id = (await page.locator("#secret-h").inner_text()).split()[-1]
    for _ in range(3):
        assert (await stack.chat(secret)).status_code == 200
    await page.goto(f"{stack.ui}/spend?group_by=key&period=day")
    row = page.locator("#spend tbody tr", has_text=key_id)
    await until_page(page, lambda: _count(row, 1))
    cells = await row.locator("td").all_inner_texts()
    assert cells[2] == "3" and cells[5].startswith("$")
    assert await page.locator("svg.chart rect").count() >= 1
    await page.screenshot(path=screenshot_path("spend"), full_page=True)
    csv = await page.request.get(f"{stack.ui}/spend.csv?group_by=key&period=day")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    assert key_id in await csv.text()


async def test_an_auto_ban_appears_and_is_lifted(stack: Stack, page: Any) -> None:
    # auto_ban: 3 failed sign-ins within 60 s (earlier tests' revoked key may count as one).
    statuses = []
    for _ in range(4):
        statuses.append((await stack.chat("sg-not-a-real-key")).status_code)
        await stack.gw.settled()
    assert statuses[0] == 401 and statuses[-1] == 403, statuses
    banned = await stack.chat("sg-not-a-real-key")
    assert banned.status_code == 403 and banned.json()["error"]["type"] == "ip_banned"
    await page.goto(f"{stack.ui}/security")
    ban = page.locator("#bans tr[data-ip='127.0.0.1']")
    assert await ban.count() == 1
    events = page.locator("#events tr[data-type=auth_failed]")
    assert await events.count() >= 2
    assert await page.locator("#events tr[data-type=ip_auto_banned]").count() >= 1
    await page.screenshot(path=screenshot_path("security-banned"), full_page=True)
    await submit(page, ban.locator("button"))
    assert await page.locator("#lifted").is_visible()
    assert await page.locator("#bans tr[data-ip='127.0.0.1']").count() == 0
    made = await stack.http.post(
        f"{stack.gw.admin_url}/-/api/keys",
        json={"name": "after-the-ban"},
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert (await stack.chat(made.json()["key"])).status_code == 200  # served again
    await page.goto(f"{stack.ui}/security?type=ip_auto_banned")
    assert await page.locator("#events tr[data-type=auth_failed]").count() == 0
    await page.screenshot(path=screenshot_path("security-lifted"), full_page=True)


async def test_phone_viewport_and_keyboard(stack: Stack, page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    for name in ("overview", "keys", "spend", "security"):
        await page.goto(f"{stack.ui}/{name}")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 390px"
    await page.screenshot(path=screenshot_path("phone-security"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(f"{stack.ui}/keys")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Overview"


async def _has(locator: Any, text: str) -> bool:
    return text in await locator.inner_text()


async def _is(locator: Any, text: str) -> bool:
    return (await locator.inner_text()).strip() == text


async def _count(locator: Any, n: int) -> bool:
    return bool(await locator.count() == n)


async def test_a_rejected_reload_shows_its_errors_and_the_next_one_clears_them(
    stack: Stack, page: Any
) -> None:
    path = stack.gw.config_path
    good = path.read_text()
    path.write_text(good.replace('upstream = "chat"', 'upstream = "nowhere"'))
    try:
        ok, message = await stack.gw.reload()
        assert not ok and "nowhere" in message
    finally:
        path.write_text(good)
    await page.goto(f"{stack.ui}/overview")
    assert "rejected" in await page.locator("#last-reload").inner_text()
    errors = await page.locator("#reload-errors").inner_text()
    assert "nowhere" in errors
    await page.screenshot(path=screenshot_path("reload-rejected"), full_page=True)
    ok, _ = await stack.gw.reload()
    assert ok
    await page.goto(f"{stack.ui}/overview")
    assert "accepted" in await page.locator("#last-reload").inner_text()
    assert await page.locator("#config-version").inner_text() == stack.gw.gateway.runtime.version


async def test_teams_limits_and_rotation_from_the_console(stack: Stack, page: Any) -> None:
    await page.goto(f"{stack.ui}/keys")
    await page.fill("#team-name", "search")
    await submit(page, "#create-team")
    assert await page.locator("#teams tr[data-team=search]").count() == 1
    await page.select_option("#key-team", "search")
    await page.fill("#key-name", "rotating")
    await submit(page, "#create-key")
    old = (await page.locator("#new-secret").inner_text()).strip()
    row = page.locator("#keys tr", has_text="rotating")
    await row.locator("summary").click()
    await row.locator("input[name=rpm]").fill("7")
    await row.locator("input[name=budget_usd]").fill("2.5")
    await submit(page, row.locator("form.grid button"))
    assert "rpm 7" in await row.inner_text() and "$2.5000" in await row.inner_text()
    # A bad value is the API's refusal on the page, and nothing changes.
    await row.locator("summary").click()
    await row.locator("input[name=budget_usd]").fill("-1")
    await submit(page, row.locator("form.grid button"))
    assert "budget_usd" in await page.locator("#problem").inner_text()
    await page.goto(f"{stack.ui}/keys")
    await row.locator("input[name=overlap_seconds]").fill("0")
    await submit(page, row.locator("form.inline button", has_text="Rotate"))
    new = (await page.locator("#new-secret").inner_text()).strip()
    assert new != old and new.startswith("sg-")
    assert (await stack.chat(new)).status_code == 200
    assert (await stack.chat(old)).status_code == 401
    await page.screenshot(path=screenshot_path("key-rotated"), full_page=True)
    # The list filters by team; a team with an active key cannot be deleted, an empty one can.
    await page.goto(f"{stack.ui}/keys?team=search")
    assert await page.locator("#keys tbody tr").count() == 1
    team = page.locator("#teams tr[data-team=search]")
    await submit(page, team.locator("button.danger"))
    assert "active keys" in await page.locator("#problem").inner_text()
    await page.fill("#team-name", "empty")
    await submit(page, "#create-team")
    await submit(page, page.locator("#teams tr[data-team=empty] button.danger"))
    assert await page.locator("#teams tr[data-team=empty]").count() == 0
