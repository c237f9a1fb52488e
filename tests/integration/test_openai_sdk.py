"""The official openai client, pointed at the gateway, cannot tell it from a provider; nor can
the official anthropic client, even when the provider behind is an OpenAI-compatible one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anthropic
import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def shipped_gateway(gateway_factory):
    """The default config.toml and policies/, as shipped, on free ports."""
    config = (ROOT / "config.toml").read_text()
    config = config.replace("${SLUICEGATE_LISTEN:-127.0.0.1:8080}", "@LISTEN@").replace(
        "${SLUICEGATE_ADMIN_LISTEN:-127.0.0.1:9901}", "@ADMIN@"
    )
    assert "@LISTEN@" in config and "@ADMIN@" in config
    policies = {p.stem: p.read_text() for p in (ROOT / "policies").glob("*.toml")}
    return await gateway_factory(config, policies)


async def test_chat_stream_models_and_embeddings_through_the_sdk(shipped_gateway):
    client = openai.AsyncOpenAI(
        base_url=f"{shipped_gateway.url}/v1", api_key="unused", max_retries=0
    )
    chat = await client.chat.completions.create(
        model="chat-fast", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert chat.choices[0].message.content.endswith("Say hello")
    assert chat.usage is not None and chat.usage.total_tokens > 0

    stream = await client.chat.completions.create(
        model="chat-fast", messages=[{"role": "user", "content": "Say hello"}], stream=True
    )
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    assert "".join(pieces) == chat.choices[0].message.content

    models = await client.models.list()
    assert [m.id for m in models.data]

    embedding = await client.embeddings.create(model="embed-small", input="hello")
    assert len(embedding.data[0].embedding) == 16
    await client.close()


async def test_the_responses_api_works_on_the_shipped_config(shipped_gateway):
    client = openai.AsyncOpenAI(
        base_url=f"{shipped_gateway.url}/v1", api_key="unused", max_retries=0
    )
    answer = await client.responses.create(model="chat-fast", input="Say hello")
    assert answer.output_text.endswith("Say hello")
    assert answer.usage is not None and answer.usage.output_tokens > 0

    stream = await client.responses.create(model="chat-fast", input="Say hello", stream=True)
    events = [event async for event in stream]
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == answer.output_text
    assert events[-1].type == "response.completed"
    await client.close()


async def test_gateway_errors_surface_as_sdk_exceptions(shipped_gateway):
    client = openai.AsyncOpenAI(
        base_url=f"{shipped_gateway.url}/v2", api_key="unused", max_retries=0
    )
    with pytest.raises(openai.NotFoundError) as caught:
        await client.models.list()
    assert caught.value.body["type"] == "route_not_found"
    assert caught.value.response.headers["x-request-id"]
    await client.close()


async def test_many_concurrent_sdk_streams(shipped_gateway):
    client = openai.AsyncOpenAI(
        base_url=f"{shipped_gateway.url}/v1", api_key="unused", max_retries=0
    )

    async def one(i: int) -> str:
        stream = await client.chat.completions.create(
            model="chat-fast", messages=[{"role": "user", "content": f"n{i}"}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    texts = await asyncio.gather(*(one(i) for i in range(50)))
    assert [t.endswith(f"n{i}") for i, t in enumerate(texts)] == [True] * 50
    await client.close()


async def test_the_anthropic_sdk_works_on_the_shipped_config(shipped_gateway):
    # The mock speaks OpenAI: Messages are translated to it and back, streams included.
    client = anthropic.AsyncAnthropic(base_url=shipped_gateway.url, api_key="unused", max_retries=0)
    message = await client.messages.create(
        model="chat-fast", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]
    )
    assert message.content[0].text.endswith("Say hello")
    assert message.usage.input_tokens > 0 and message.stop_reason == "end_turn"
    async with client.messages.stream(
        model="chat-fast", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]
    ) as stream:
        text = "".join([piece async for piece in stream.text_stream])
    assert text == message.content[0].text
    await client.close()
    elsewhere = anthropic.AsyncAnthropic(
        base_url=f"{shipped_gateway.url}/v2", api_key="unused", max_retries=0
    )
    with pytest.raises(anthropic.NotFoundError) as unknown:  # the gateway's 404, Anthropic's shape
        await elsewhere.messages.create(
            model="chat-fast", max_tokens=8, messages=[{"role": "user", "content": "x"}]
        )
    assert unknown.value.type == "not_found_error"
    assert unknown.value.error_code == "route_not_found"
    await elsewhere.close()
