"""Hot reload: SIGHUP swaps the config atomically; in-flight streams finish on the old one."""

from __future__ import annotations

import asyncio
import signal

import httpx

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.upstreams import FakeProvider, one_provider_config

pytestmark = BOTH_ENGINES


def config(provider: FakeProvider, alias: str = "chat-fast") -> str:
    return one_provider_config(provider, alias=alias)


POLICY = '[[plugins]]\nuse = "request_id"\n'


async def _version(client: httpx.AsyncClient, admin: str) -> str:
    return str((await client.get(f"{admin}/-/status")).json()["config_version"])


async def _wait_for_version_change(client: httpx.AsyncClient, admin: str, old: str) -> str:
    for _ in range(200):
        version = await _version(client, admin)
        if version != old:
            return version
        await asyncio.sleep(0.05)
    raise AssertionError("the config version never changed")


async def test_sighup_during_100_streams_loses_none_of_them(gateway_process_factory, fake_provider):
    fake_provider.gate = asyncio.Event()
    fake_provider.chunks = 4
    gw = await gateway_process_factory(config(fake_provider), {"default": POLICY})
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        old = await _version(client, gw.admin_url)

        async def stream() -> list[str]:
            async with client.stream(
                "POST",
                f"{gw.url}/v1/chat/completions",
                json={
                    "model": "chat-fast",
                    "stream": True,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ) as response:
                assert response.status_code == 200
                return [line async for line in response.aiter_lines() if line]

        tasks = [asyncio.create_task(stream()) for _ in range(100)]
        for _ in range(200):  # all 100 are open at the provider, held at its gate
            if fake_provider.in_flight == 100:
                break
            await asyncio.sleep(0.05)
        assert fake_provider.in_flight == 100
        gw.config_path.write_text(config(fake_provider, alias="chat-renamed"))
        gw.signal(signal.SIGHUP)
        new = await _wait_for_version_change(client, gw.admin_url, old)
        # The new config serves new requests while the 100 old streams are still open ...
        renamed = await client.post(
            f"{gw.url}/v1/chat/completions",
            json={"model": "chat-renamed", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert renamed.status_code == 200
        assert new != old
        # ... and the old streams all complete once the provider lets them go.
        fake_provider.gate.set()
        results = await asyncio.gather(*tasks)
    assert len(results) == 100
    assert all(lines[-1] == "data: [DONE]" for lines in results)
    assert fake_provider.completed_streams == 100
    assert gw.process.poll() is None
    assert "reloaded" in gw.logs()


async def test_a_broken_file_on_reload_keeps_the_old_config_serving(
    gateway_process_factory, fake_provider
):
    gw = await gateway_process_factory(config(fake_provider), {"default": POLICY})
    policy_file = gw.config_path.parent / "policies" / "default.toml"
    async with httpx.AsyncClient(timeout=10) as client:
        old = await _version(client, gw.admin_url)
        policy_file.write_text('[[plugins]]\nuse = "no_such_plugin"\n')
        gw.signal(signal.SIGHUP)
        for _ in range(200):
            if "reload rejected" in gw.logs():
                break
            await asyncio.sleep(0.05)
        logs = gw.logs()
        assert "reload rejected" in logs
        assert "plugins[0].use: unknown plugin 'no_such_plugin'" in logs
        response = await client.post(
            f"{gw.url}/v1/chat/completions",
            json={"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert response.status_code == 200
        assert await _version(client, gw.admin_url) == old
        metrics = (await client.get(f"{gw.admin_url}/-/metrics")).text
        assert 'sluicegate_config_reloads_total{outcome="rejected"} 1.0' in metrics


async def test_watch_mode_reloads_when_a_policy_file_changes(
    gateway_process_factory, fake_provider
):
    gw = await gateway_process_factory(config(fake_provider), {"default": POLICY}, "--watch")
    policy_file = gw.config_path.parent / "policies" / "default.toml"
    async with httpx.AsyncClient(timeout=10) as client:
        old = await _version(client, gw.admin_url)
        policy_file.write_text(POLICY + 'header = "X-Trace-Id"\n')
        await _wait_for_version_change(client, gw.admin_url, old)
        response = await client.post(
            f"{gw.url}/v1/chat/completions",
            json={"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]},
            headers={"X-Trace-Id": "abc-123"},
        )
    assert response.headers["x-trace-id"] == "abc-123"


async def test_sigterm_drains_in_flight_streams_then_exits_zero(
    gateway_process_factory, fake_provider
):
    fake_provider.gate = asyncio.Event()
    gw = await gateway_process_factory(config(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=30) as client:

        async def stream() -> list[str]:
            async with client.stream(
                "POST",
                f"{gw.url}/v1/chat/completions",
                json={
                    "model": "chat-fast",
                    "stream": True,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ) as response:
                return [line async for line in response.aiter_lines() if line]

        tasks = [asyncio.create_task(stream()) for _ in range(5)]
        for _ in range(200):
            if fake_provider.in_flight == 5:
                break
            await asyncio.sleep(0.05)
        gw.signal(signal.SIGTERM)
        await asyncio.sleep(0.2)
        assert gw.process.poll() is None  # still draining
        fake_provider.gate.set()
        results = await asyncio.gather(*tasks)
    assert all(lines[-1] == "data: [DONE]" for lines in results)
    assert await asyncio.to_thread(gw.process.wait, 30) == 0


async def test_a_stream_past_shutdown_timeout_does_not_hold_the_process(
    gateway_process_factory, fake_provider
):
    fake_provider.gate = asyncio.Event()  # never set: the stream never ends by itself
    server = '[server]\nlisten = ["@LISTEN@"]\nadmin_listen = "@ADMIN@"\nshutdown_timeout = "1s"\n'
    gw = await gateway_process_factory(server + config(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=30) as client:
        request = client.build_request(
            "POST",
            f"{gw.url}/v1/chat/completions",
            json={
                "model": "chat-fast",
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
            },
        )
        response = await client.send(request, stream=True)
        for _ in range(200):
            if fake_provider.in_flight == 1:
                break
            await asyncio.sleep(0.05)
        gw.signal(signal.SIGTERM)
        # stopped after shutdown_timeout, not after the stream (or the test's 30 s)
        code = await asyncio.to_thread(gw.process.wait, 20)
        await response.aclose()
    assert code == 0, gw.logs()
    assert "Traceback" not in gw.logs()  # a stream cut at shutdown is no error
