"""Anthropic Messages and OpenAI chat, each sent to an Anthropic and an OpenAI-compatible
provider, through the gateway, by the official SDKs; failover across kinds on the same request."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest

from tests.fixtures.anthropic import FakeAnthropic
from tests.fixtures.upstreams import FakeProvider


def config(openai_fake: FakeProvider, claude: FakeAnthropic, first: str = "groq") -> str:
    order = ["groq", "claude"] if first == "groq" else ["claude", "groq"]
    targets = ", ".join(f'{{ provider = "{name}" }}' for name in order)
    return f"""
[providers.groq]
type = "openai"
base_url = "{openai_fake.url}"
api_key = "sk-groq"
models = {{ "smart" = "llama-fake", "fast" = "llama-fake" }}

[providers.claude]
type = "anthropic"
base_url = "{claude.url}"
api_key = "{claude.api_key}"
models = {{ "smart" = "claude-fake", "claude" = "claude-fake" }}
pricing = {{ "claude-fake" = {{ input = 3.0, output = 15.0 }} }}

[upstreams.mixed]
balance = "failover"
targets = [{targets}]
retry = {{ attempts = 2, backoff = "1ms", budget = 1.0 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "open"
upstream = "mixed"
"""


POLICY = """
[[plugins]]
use = "request_id"
"""

WEATHER_OPENAI = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
WEATHER_ANTHROPIC = {
    "name": "get_weather",
    "description": "Weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
async def gateway(
    gateway_factory: Any, fake_provider: FakeProvider, fake_anthropic: FakeAnthropic
) -> Any:
    return await gateway_factory(config(fake_provider, fake_anthropic), {"open": POLICY})


def clients(gw: Any) -> tuple[anthropic.AsyncAnthropic, openai.AsyncOpenAI]:
    return (
        anthropic.AsyncAnthropic(base_url=gw.url, api_key="caller-key", max_retries=0),
        openai.AsyncOpenAI(base_url=f"{gw.url}/v1", api_key="caller-key", max_retries=0),
    )


async def metric(gw: Any, provider: str, direction: str) -> float:
    text = (await gw.client.get(f"{gw.admin_url}/-/metrics")).text
    for line in text.splitlines():
        if (
            line.startswith("sluicegate_tokens_total{")
            and f'provider="{provider}"' in line
            and f'direction="{direction}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_anthropic_sdk_json_stream_and_tools_reach_claude_natively(
    gateway: Any, fake_anthropic: FakeAnthropic
) -> None:
    claude, _ = clients(gateway)
    message = await claude.messages.create(
        model="claude", max_tokens=64, messages=[{"role": "user", "content": "hi there"}]
    )
    assert message.content[0].text == "echo: hi there"
    assert message.usage.cache_read_input_tokens == 5
    seen = fake_anthropic.requests[-1]
    assert seen.headers["x-api-key"] == "sk-ant-test"  # the provider's key, not the caller's
    assert seen.json()["model"] == "claude-fake"

    async with claude.messages.stream(
        model="claude", max_tokens=64, messages=[{"role": "user", "content": "stream me"}]
    ) as stream:
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "echo: stream me"
    assert final.usage.input_tokens == 12 and final.usage.output_tokens == 6

    tool = await claude.messages.create(
        model="claude",
        max_tokens=64,
        tools=[WEATHER_ANTHROPIC],
        messages=[{"role": "user", "content": "weather?"}],
    )
    assert tool.stop_reason == "tool_use" and tool.content[0].input == {"city": "Paris"}
    await gateway.settled()
    # 12 input + 3 cache write + 5 cache read, three times; 6 output, three times
    assert await metric(gateway, "claude", "input") == 60
    assert await metric(gateway, "claude", "output") == 18


async def test_openai_chat_to_claude_is_translated_both_ways_field_by_field(
    gateway_factory: Any, fake_provider: FakeProvider, fake_anthropic: FakeAnthropic
) -> None:
    gw = await gateway_factory(
        config(fake_provider, fake_anthropic, first="claude"), {"open": POLICY}
    )
    _, client = clients(gw)
    chat = await client.chat.completions.create(
        model="smart",
        messages=[
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        tools=[WEATHER_OPENAI],
        tool_choice="auto",
        max_tokens=50,
        temperature=0.2,
        stop=["END"],
    )
    sent = fake_anthropic.requests[-1].json()
    assert sent["model"] == "claude-fake"
    assert sent["system"] == "Be brief."
    assert sent["max_tokens"] == 50 and sent["temperature"] == 0.2
    assert sent["stop_sequences"] == ["END"]
    assert sent["messages"][0] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "look"},
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
            },
        ],
    }
    assert sent["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Oslo"}}
        ],
    }
    assert sent["messages"][2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}],
    }
    assert sent["tools"] == [WEATHER_ANTHROPIC]
    assert sent["tool_choice"] == {"type": "auto"}
    assert chat.object == "chat.completion" and chat.id == "msg_fake01"
    assert chat.choices[0].message.content == "echo: sunny"
    assert chat.choices[0].finish_reason == "stop"
    assert (
        chat.usage is not None
        and chat.usage.prompt_tokens == 20
        and chat.usage.completion_tokens == 6
    )

    called = await client.chat.completions.create(
        model="smart", messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER_OPENAI]
    )
    (call,) = called.choices[0].message.tool_calls or []
    assert called.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {
        "city": "Paris"
    }

    stream = await client.chat.completions.create(
        model="smart",
        messages=[{"role": "user", "content": "stream me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: stream me"
    )
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 26

    tool_stream = await client.chat.completions.create(
        model="smart",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER_OPENAI],
        stream=True,
    )
    arguments = ""
    async for chunk in tool_stream:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            arguments += delta.function.arguments or "" if delta.function else ""
    assert json.loads(arguments) == {"city": "Paris"}

    with pytest.raises(openai.BadRequestError) as refused:
        await client.chat.completions.create(
            model="claude", messages=[{"role": "user", "content": "x"}], n=2
        )
    assert refused.value.body["type"] == "unsupported_feature"  # type: ignore[index]
    assert "'n'" in refused.value.body["message"]  # type: ignore[index]


async def test_messages_to_an_openai_provider_is_translated(
    gateway: Any, fake_provider: FakeProvider
) -> None:
    claude, _ = clients(gateway)
    message = await claude.messages.create(
        model="fast",
        max_tokens=40,
        system="Be brief.",
        stop_sequences=["END"],
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_9",
                        "name": "get_weather",
                        "input": {"city": "Rome"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_9", "content": "rain"},
                    {"type": "text", "text": "and?"},
                ],
            },
        ],
        tools=[WEATHER_ANTHROPIC],
        tool_choice={"type": "any"},
    )
    sent = fake_provider.requests[-1].json()
    assert fake_provider.requests[-1].path == "/v1/chat/completions"
    assert sent["model"] == "llama-fake" and sent["max_tokens"] == 40 and sent["stop"] == ["END"]
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "toolu_9",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_9", "content": "rain"},
        {"role": "user", "content": "and?"},
    ]
    assert sent["tools"] == [WEATHER_OPENAI] and sent["tool_choice"] == "required"
    assert message.type == "message" and message.content[0].text == fake_provider.reply
    assert "x-api-key" not in fake_provider.requests[-1].headers  # the caller's key stays here
    assert fake_provider.requests[-1].headers["authorization"] == "Bearer sk-groq"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 10 and message.usage.output_tokens == 5

    async with claude.messages.stream(
        model="fast", max_tokens=40, messages=[{"role": "user", "content": "go"}]
    ) as stream:
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "".join(f"tok{i} " for i in range(fake_provider.chunks))
    assert final.usage.output_tokens == fake_provider.chunks and final.usage.input_tokens == 10
    assert fake_provider.requests[-1].json()["stream_options"] == {"include_usage": True}

    with pytest.raises(anthropic.BadRequestError) as refused:
        await claude.messages.create(
            model="fast",
            max_tokens=5,
            messages=[{"role": "user", "content": "x"}],
            extra_body={"top_k": 3},
        )
    assert refused.value.type == "invalid_request_error"
    assert refused.value.error_code == "unsupported_feature"
