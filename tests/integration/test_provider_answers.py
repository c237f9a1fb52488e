"""Hostile or careless providers as local servers: what they send must not switch metering
off, set state on the gateway's origin, or take a target out for good (issue 17)."""

from __future__ import annotations

import re

import httpx

from proxy.upstream.retry import RETRY_AFTER_CAP
from tests.fixtures.upstreams import one_provider_config

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}
POLICY = '[[plugins]]\nuse = "request_id"\n'


def _tokens(scrape: str, direction: str) -> float:
    pattern = rf'^sluicegate_tokens_total\{{[^}}]*direction="{direction}"[^}}]*\}} (\S+)$'
    return sum(float(m.group(1)) for m in re.finditer(pattern, scrape, re.M))


async def test_gzip_accepting_clients_are_still_metered(gateway_factory, fake_provider) -> None:
    """H3: httpx (the OpenAI SDK) sends Accept-Encoding: gzip; a provider that honours it
    used to hide the usage block from budgets and metrics on routes without a body filter."""
    fake_provider.compress = "accepted"
    gw = await gateway_factory(one_provider_config(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(3):
            response = await client.post(
                f"{gw.url}/v1/chat/completions",
                json=CHAT,
                headers={"Accept-Encoding": "gzip, deflate, br"},
            )
            assert response.status_code == 200
            assert response.json()["usage"]["total_tokens"] == 15
        await gw.settled()
        scrape = (await client.get(f"{gw.admin_url}/-/metrics")).text
    assert fake_provider.requests[-1].headers["accept-encoding"] == "identity"
    assert _tokens(scrape, "input") == 30
    assert _tokens(scrape, "output") == 15


async def test_a_provider_that_compresses_anyway_is_not_passed_through_unmetered(
    gateway_factory, fake_provider
) -> None:
    fake_provider.compress = "always"
    config = one_provider_config(fake_provider, upstream="retry = { attempts = 1 }")
    gw = await gateway_factory(config, {"default": POLICY})
    response = await gw.client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "upstream_error"


async def test_a_huge_retry_after_is_capped_for_the_target_and_the_client(
    gateway_factory, fake_provider
) -> None:
    """L4: one 429 with Retry-After: 1e300 took the target out until a reload and gave
    clients a 301-digit Retry-After."""
    fake_provider.mode = "429"
    fake_provider.retry_after = "1e300"
    config = one_provider_config(fake_provider, upstream="retry = { attempts = 1 }")
    gw = await gateway_factory(config, {"default": POLICY})
    response = await gw.client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= RETRY_AFTER_CAP
    (target,) = gw.gateway.runtime.groups["chat"].targets
    assert target.quota is not None
    blocked = target.quota.snapshot()["blocked_for"]
    assert isinstance(blocked, float) and 0 < blocked <= RETRY_AFTER_CAP
    # While the target is out, the gateway's own 503 says when to come back, also capped.
    again = await gw.client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert again.status_code in (429, 503)
    assert int(again.headers["retry-after"]) <= RETRY_AFTER_CAP


PROVIDER_ONLY = {
    "Set-Cookie": "session=provider; Path=/",
    "Location": "https://provider.example/elsewhere",
    "Content-Location": "/elsewhere",
    "Refresh": "0; url=https://evil.example/",
    "Link": "<https://evil.example/x.js>; rel=preload",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Alt-Svc": 'h3=":443"',
    "Clear-Site-Data": '"*"',
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "*",
}


async def test_provider_headers_that_act_on_the_gateways_origin_are_dropped(
    gateway_factory, fake_provider
) -> None:
    """L3: Set-Cookie, Location, Refresh, Link, Cache-Control: public and (without the cors
    plugin) Access-Control-Allow-* reached clients, and the cache replayed all but one."""
    fake_provider.extra_headers = {
        **PROVIDER_ONLY,
        "Cache-Control": "public, max-age=60, s-maxage=600",
        "X-Provider-Trace": "kept",
    }
    policy = '[[plugins]]\nuse = "cache"\nttl = "60s"\nshared = true\n'
    gw = await gateway_factory(one_provider_config(fake_provider), {"default": policy})
    answers = [
        await gw.client.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "temperature": 0})
        for _ in range(2)
    ]
    assert [a.headers.get("x-cache") for a in answers] == ["MISS", "HIT"]
    for answer in answers:
        assert answer.status_code == 200
        for name in PROVIDER_ONLY:
            assert name.lower() not in answer.headers, (name, answer.headers)
        assert answer.headers["cache-control"] == "max-age=60"
        assert answer.headers["x-provider-trace"] == "kept"
    assert len(fake_provider.requests) == 1
