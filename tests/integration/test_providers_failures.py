"""Failures across provider kinds through the official SDKs: a 500 failed over from an
Anthropic to an OpenAI-compatible provider and back for both request formats, refusals and
mid-stream failures in each SDK's own errors, and concurrent translated streams. Split from
``test_providers.py``, whose config and clients it shares."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import openai
import pytest

from tests.fixtures.anthropic import FakeAnthropic
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_providers import POLICY, clients, config


@pytest.mark.parametrize("first_fails", ["groq", "claude"])
async def test_a_500_fails_over_across_kinds_for_both_request_formats(
    gateway_factory: Any,
    fake_provider: FakeProvider,
    fake_anthropic: FakeAnthropic,
    first_fails: str,
) -> None:
    gw = await gateway_factory(
        config(fake_provider, fake_anthropic, first=first_fails), {"open": POLICY}
    )
    (fake_provider if first_fails == "groq" else fake_anthropic).mode = "500"
    claude, client = clients(gw)
    message = await claude.messages.create(
        model="smart", max_tokens=16, messages=[{"role": "user", "content": "hello"}]
    )
    chat = await client.chat.completions.create(
        model="smart", messages=[{"role": "user", "content": "hello"}]
    )
    if first_fails == "groq":  # served by Claude: Messages natively, chat translated
        assert message.content[0].text == "echo: hello"
        assert chat.choices[0].message.content == "echo: hello"
    else:  # served by the OpenAI-compatible one: Messages translated, chat natively
        assert message.content[0].text == fake_provider.reply
        assert chat.choices[0].message.content == fake_provider.reply
    assert len(fake_provider.requests) == 2 and len(fake_anthropic.requests) == 2


async def test_refusals_and_mid_stream_failures_in_each_sdks_own_errors(
    gateway_factory: Any, fake_provider: FakeProvider, fake_anthropic: FakeAnthropic
) -> None:
    limited = """
[[plugins]]
use = "token_limit"
key = "global"
per_minute = 5
"""
    gw = await gateway_factory(
        config(fake_provider, fake_anthropic, first="claude"), {"open": limited}
    )
    claude, client = clients(gw)
    with pytest.raises(anthropic.RateLimitError) as refused:
        await claude.messages.create(
            model="claude", max_tokens=1000, messages=[{"role": "user", "content": "x" * 400}]
        )
    assert refused.value.type == "rate_limit_error"
    assert refused.value.error_code == "token_limit_exceeded"
    assert fake_anthropic.requests == []  # refused before the provider was called

    other = await gateway_factory(
        config(fake_provider, fake_anthropic, first="claude"), {"open": POLICY}
    )
    claude, client = clients(other)
    fake_anthropic.mode = "error_mid_stream"
    with pytest.raises(anthropic.APIStatusError) as broken:
        async with claude.messages.stream(
            model="claude", max_tokens=16, messages=[{"role": "user", "content": "a b c"}]
        ) as stream:
            async for _ in stream.text_stream:
                pass
    assert broken.value.type == "overloaded_error"
    fake_anthropic.mode = "die_mid_stream"  # the gateway ends the stream in Anthropic's shape
    with pytest.raises(anthropic.APIStatusError) as dropped:
        async with claude.messages.stream(
            model="claude", max_tokens=16, messages=[{"role": "user", "content": "a b c"}]
        ) as stream:
            async for _ in stream.text_stream:
                pass
    assert (dropped.value.type, dropped.value.error_code) == ("api_error", "upstream_error")
    fake_anthropic.mode = "error_mid_stream"
    malformed = await other.client.post(
        f"{other.url}/v1/messages",
        content=b'{"model": ',
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["type"] == "error"
    assert malformed.json()["error"]["type"] == "invalid_request_error"
    stream = await client.chat.completions.create(
        model="claude", messages=[{"role": "user", "content": "a b c"}], stream=True
    )
    with pytest.raises(openai.APIError) as chat_broken:
        async for _ in stream:
            pass
    assert "overloaded" in str(chat_broken.value)


async def test_concurrent_translated_streams_and_apis_without_a_counterpart(
    gateway_factory: Any, fake_provider: FakeProvider, fake_anthropic: FakeAnthropic
) -> None:
    gw = await gateway_factory(config(fake_provider, fake_anthropic), {"open": POLICY})
    claude, client = clients(gw)

    async def messages_stream(n: int) -> str:  # Messages -> the OpenAI-compatible target
        async with claude.messages.stream(
            model="fast", max_tokens=16, messages=[{"role": "user", "content": f"n{n}"}]
        ) as stream:
            return "".join([piece async for piece in stream.text_stream])

    async def chat_stream(n: int) -> str:  # chat -> Claude
        stream = await client.chat.completions.create(
            model="claude", messages=[{"role": "user", "content": f"n{n}"}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    results = await asyncio.gather(
        *(messages_stream(n) for n in range(12)), *(chat_stream(n) for n in range(12))
    )
    expected = "".join(f"tok{i} " for i in range(fake_provider.chunks))
    assert results[:12] == [expected] * 12
    assert results[12:] == [f"echo: n{n}" for n in range(12)]

    only_claude = config(fake_provider, fake_anthropic).replace(
        'targets = [{ provider = "groq" }, { provider = "claude" }]',
        'targets = [{ provider = "claude" }]',
    )
    solo = await gateway_factory(only_claude, {"open": POLICY})
    refused = await solo.client.post(
        f"{solo.url}/v1/responses", json={"model": "claude", "input": "hi"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "unsupported_feature"
    assert "responses API" in refused.json()["error"]["message"]

    # Claude Code's token count goes to the Anthropic target even when another comes first.
    counted = await claude.messages.count_tokens(
        model="smart", messages=[{"role": "user", "content": "count these words"}]
    )
    assert counted.input_tokens > 0
    assert fake_anthropic.requests[-1].path == "/v1/messages/count_tokens"
    assert fake_anthropic.requests[-1].json()["model"] == "claude-fake"
