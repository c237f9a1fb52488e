"""The server around the proxy: h2c, trusted proxies, workers, admin endpoints."""

from __future__ import annotations

import asyncio
import signal

import httpx

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.upstreams import FakeProvider, one_provider_config

pytestmark = BOTH_ENGINES

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}
POLICY = '[[plugins]]\nuse = "request_id"\n'


def config(provider: FakeProvider, server: str = "", alias: str = "chat-fast") -> str:
    return one_provider_config(provider, alias=alias, server=server)


async def test_http2_cleartext_prior_knowledge(gateway_factory, fake_provider):
    gw = await gateway_factory(config(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(http1=False, http2=True, timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert response.http_version == "HTTP/2"
    assert response.status_code == 200
    assert response.json()["x_served_by"] == "fake"


async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
    gateway_factory, fake_provider
):
    trusted = await gateway_factory(
        config(fake_provider, 'trusted_proxies = ["127.0.0.0/8"]'), {"default": POLICY}
    )
    untrusted = await gateway_factory(config(fake_provider), {"default": POLICY})
    headers = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    async with httpx.AsyncClient(timeout=10) as client:
        await client.post(f"{trusted.url}/v1/chat/completions", json=CHAT, headers=headers)
        via_proxy = fake_provider.requests[-1].headers["x-forwarded-for"]
        await client.post(f"{untrusted.url}/v1/chat/completions", json=CHAT, headers=headers)
        direct = fake_provider.requests[-1].headers["x-forwarded-for"]
    # Behind a trusted proxy the chain is extended with the peer; otherwise it is replaced.
    assert via_proxy == "203.0.113.7, 10.0.0.1, 127.0.0.1"
    assert direct == "127.0.0.1"


async def test_admin_endpoints(gateway_factory, fake_provider):
    gw = await gateway_factory(config(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        health = await client.get(f"{gw.admin_url}/-/health")
        ready = await client.get(f"{gw.admin_url}/-/ready")
        status = (await client.get(f"{gw.admin_url}/-/status")).json()
        metrics = await client.get(f"{gw.admin_url}/-/metrics")
        on_proxy_port = await client.get(f"{gw.url}/-/status")
    assert health.status_code == 200 and ready.json()["ready"] is True
    assert status["routes"][0]["policy"] == "default"
    assert status["providers"]["fake"]["base_url"] == fake_provider.url
    assert "sk-x" not in str(status)
    assert "sluicegate_requests_total" in metrics.text
    # Admin paths exist only on the admin listener.
    assert on_proxy_port.status_code == 404
    assert on_proxy_port.json()["error"]["type"] == "route_not_found"


async def test_the_mock_provider_knobs(gateway_factory):
    mock = """
[providers.mock]
type = "mock"
status = 503
[upstreams.chat]
targets = [{ provider = "mock" }]
retry = { attempts = 1 }
[[routes]]
policy = "default"
upstream = "chat"
"""
    gw = await gateway_factory(mock, {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    # A provider's own error passes through unchanged (it is not the gateway's error).
    assert response.status_code == 503
    assert response.json()["error"]["message"] == "mock: configured status"


async def test_two_workers_serve_and_reload_in_place(gateway_process_factory, fake_provider):
    gw = await gateway_process_factory(config(fake_provider, "workers = 2"), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        pids = set()
        # The kernel hands each new connection to one worker; a worker the machine is slow to
        # wake can lose many in a row, so keep asking until both have answered.
        for attempt in range(1000):
            response = await client.post(
                f"{gw.url}/v1/chat/completions", json=CHAT, headers={"connection": "close"}
            )
            assert response.status_code == 200
            status = (
                await client.get(f"{gw.admin_url}/-/status", headers={"connection": "close"})
            ).json()
            pids.add(status.get("pid"))
            if len(pids) == 2 and attempt >= 40:
                break
        text = gw.config_path.read_text()
        gw.config_path.write_text(text.replace('"chat-fast" =', '"renamed" ='))
        gw.signal(signal.SIGHUP)
        served = 0
        for _ in range(200):
            response = await client.post(
                f"{gw.url}/v1/chat/completions",
                json={**CHAT, "model": "renamed"},
                headers={"connection": "close"},
            )
            served += response.status_code == 200
            if served >= 10:
                break
            await asyncio.sleep(0.02)
    assert served >= 10
    assert len(pids) == 2  # both worker processes answered
    assert gw.stop() == 0


async def test_with_two_workers_every_scrape_counts_every_workers_requests(
    gateway_process_factory, fake_provider
):
    gw = await gateway_process_factory(config(fake_provider, "workers = 2"), {"default": POLICY})
    sent = 40
    close = {"connection": "close"}  # a new connection each time: the kernel picks a worker
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(sent):
            response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=close)
            assert response.status_code == 200

    async def scrape() -> tuple[object, float]:
        # One fresh connection for both calls: the pid is that of the worker that scraped.
        async with httpx.AsyncClient(timeout=10) as one:
            status = (await one.get(f"{gw.admin_url}/-/status")).json()
            text = (await one.get(f"{gw.admin_url}/-/metrics")).text
        return status["pid"], _requests_total(text)

    # Other workers' figures are at most a snapshot interval (1 s) old: poll until scrapes
    # answered by each of the two workers show every request.
    seen: dict[object, float] = {}
    for _ in range(1000):
        pid, total = await scrape()
        seen[pid] = total
        if len(seen) == 2 and all(t == sent for t in seen.values()):
            break
        await asyncio.sleep(0.02)
    assert seen and all(total == sent for total in seen.values()), seen
    assert len(seen) == 2
    assert gw.stop() == 0


def _requests_total(text: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "sluicegate_requests"
        for sample in family.samples
        if sample.name == "sluicegate_requests_total"
    )
