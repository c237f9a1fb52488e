"""Active health checks through real sockets: a provider's probe (``[providers.*] health``)
takes its targets out of every group while it fails and puts them back when it recovers,
so no request is sent to a target known down while another is up (docs/resilience.md)."""

from __future__ import annotations

import httpx

from tests.integration.test_resilience import POLICY, Factory, chat, config, target, until

PROBED = (
    'health = { path = "/models", interval = "100ms", timeout = "1s", '
    "healthy_threshold = 2, unhealthy_threshold = 2 }"
)
# One attempt and a breaker that never opens here: only the health check can keep a request
# away from the failing target, and a request sent to it would reach the client as a 500.
UPSTREAM = (
    "retry = { attempts = 1 }\n"
    "breaker = { failures = 1000, min_requests = 1000, error_rate = 1.0 }\n"
)


def chats(requests) -> int:
    """Requests that were not the health probe."""
    return sum(1 for r in requests if not r.path.endswith("/models"))


async def test_a_failing_target_is_probed_out_and_back_in(
    gateway_factory, fake_provider_factory: Factory
):
    a, b = await fake_provider_factory(name="a"), await fake_provider_factory(name="b")
    extra = {"a": PROBED, "b": PROBED}
    gw = await gateway_factory(config({"a": a, "b": b}, UPSTREAM, provider_extra=extra), POLICY)
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(6):
            assert (await chat(client, gw.url)).status_code == 200
        assert chats(a.requests) and chats(b.requests)  # both take traffic
        assert any(r.path.endswith("/models") for r in a.requests)  # and both are probed

        a.mode = "500"

        async def a_is_down() -> bool:
            return (await target(gw, "a"))["healthy"] is False

        await until(a_is_down, "a marked unhealthy by its probe")
        sent_to_a = chats(a.requests)
        for _ in range(30):
            response = await chat(client, gw.url)
            assert response.status_code == 200, response.text
        assert chats(a.requests) == sent_to_a  # nothing but probes reached the down target
        assert (await target(gw, "b"))["healthy"] is True

        a.mode = "ok"

        async def a_is_back() -> bool:
            return (await target(gw, "a"))["healthy"] is True

        await until(a_is_back, "a marked healthy again")
        for _ in range(6):
            assert (await chat(client, gw.url)).status_code == 200
        assert chats(a.requests) > sent_to_a  # traffic returned


async def test_every_target_down_is_a_503_envelope_not_a_try(
    gateway_factory, fake_provider_factory: Factory
):
    """With the only target probed down, a request is answered at once (503,
    ``no_available_target``) instead of being sent to a provider known to fail."""
    a = await fake_provider_factory(name="a", mode="500")
    gw = await gateway_factory(config({"a": a}, UPSTREAM, provider_extra={"a": PROBED}), POLICY)

    async def a_is_down() -> bool:
        return (await target(gw, "a"))["healthy"] is False

    await until(a_is_down, "a marked unhealthy by its probe")
    sent = chats(a.requests)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await chat(client, gw.url)
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "no_available_target"
    assert chats(a.requests) == sent
