"""The Responses API, audio, images, per-caller model lists and Azure OpenAI, through the
gateway with the official openai SDK against the fake provider."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import openai
import pytest

from plugins._keys import hash_key
from tests.fixtures.openai_apis import SPEECH
from tests.fixtures.upstreams import FakeProvider

LIMITED = "sk-limited-caller-000000000000"
FULL = "sk-full-caller-0000000000000000"


def config(fake: FakeProvider, second: FakeProvider | None = None) -> str:
    targets = '{ provider = "one" }' + (', { provider = "two" }' if second else "")
    two = (
        f"""
[providers.two]
type = "openai"
base_url = "{second.url}"
api_key = "sk-two"
models = {{ "reason" = "o-two", "stt" = "whisper-1", "tts" = "tts-1", "img" = "dall-e-3" }}
"""
        if second
        else ""
    )
    return f"""
[providers.one]
type = "openai"
base_url = "{fake.url}"
api_key = "sk-one"

[providers.one.models]
reason = "o-fake"
stt = "whisper-1"
stt-tokens = "gpt-4o-transcribe"
tts = "tts-1"
img = "dall-e-3"
img-tokens = "gpt-image-1"

[providers.one.pricing]
o-fake = {{ input = 1.0, output = 2.0 }}
whisper-1 = {{ per_second = 0.0001 }}
tts-1 = {{ per_1m_characters = 15.0 }}
dall-e-3 = {{ per_image = 0.04 }}
gpt-image-1 = {{ input = 5.0, output = 40.0 }}
{two}
[upstreams.main]
balance = "failover"
targets = [{targets}]
retry = {{ attempts = 2, backoff = "1ms", budget = 1.0 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "p"
upstream = "main"
"""


OPEN = '[[plugins]]\nuse = "request_id"\n'


def sdk(gw: Any, key: str = "unused") -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{gw.url}/v1", api_key=key, max_retries=0)


def access_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    import json

    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if '"type":"access"' in line]


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 800)
    return buffer.getvalue()


async def test_responses_json_and_stream_are_mapped_and_metered(
    gateway_factory: Any, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    gw = await gateway_factory(config(fake_provider), {"p": OPEN})
    client = sdk(gw)
    answer = await client.responses.create(model="reason", input="Say hi")
    assert answer.output_text == fake_provider.reply
    assert fake_provider.requests[-1].json()["model"] == "o-fake"

    stream = await client.responses.create(model="reason", input="Say hi", stream=True)
    events = [event async for event in stream]
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == fake_provider.reply
    assert "stream_options" not in fake_provider.requests[-1].json()  # not a Responses field
    await gw.settled()
    lines = [line for line in access_lines(capsys) if line["path"] == "/v1/responses"]
    assert [(x["input_tokens"], x["output_tokens"], x["cache_read_tokens"]) for x in lines] == [
        (9, 4, 2),
        (9, 4, 2),
    ]
    assert lines[0]["cost_usd"] == pytest.approx((9 * 1.0 + 4 * 2.0) / 1e6)


async def test_responses_fail_over_before_the_first_byte_and_break_in_their_own_shape(
    gateway_factory: Any, fake_provider_factory: Any
) -> None:
    one = await fake_provider_factory(mode="500")
    two = await fake_provider_factory(name="two")
    gw = await gateway_factory(config(one, two), {"p": OPEN})
    client = sdk(gw)
    stream = await client.responses.create(model="reason", input="hi", stream=True)
    events = [event async for event in stream]
    assert events[-1].type == "response.completed"
    assert two.requests[-1].json()["model"] == "o-two" and len(one.requests) == 1

    one.mode, two.mode = "die_mid_stream", "die_mid_stream"
    stream = await client.responses.create(model="reason", input="a b c d e f", stream=True)
    events = [event async for event in stream]
    assert events[-1].type == "error"  # the Responses API's own error event
    assert events[-1].code == "upstream_error"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("plugin", "status"),
    [
        ('use = "token_limit"\nkey = "global"\nper_minute = 10', 429),
        ('use = "budget"\nkey = "global"\nper_day = 0.001\nestimate_cost_per_request = 0.01', 402),
    ],
)
async def test_token_limit_and_budget_refuse_responses_and_messages_before_the_provider(
    gateway_factory: Any, fake_provider: FakeProvider, plugin: str, status: int
) -> None:
    gw = await gateway_factory(config(fake_provider), {"p": f"[[plugins]]\n{plugin}\n"})
    long = "word " * 200
    responses = await gw.client.post(
        f"{gw.url}/v1/responses", json={"model": "reason", "input": long, "max_output_tokens": 50}
    )
    assert responses.status_code == status
    assert responses.json()["error"]["code"] == status
    messages = await gw.client.post(
        f"{gw.url}/v1/messages",
        json={"model": "reason", "max_tokens": 50, "messages": [{"role": "user", "content": long}]},
    )
    assert messages.status_code == status
    assert messages.json()["type"] == "error"  # Anthropic's shape on the Messages API
    assert fake_provider.requests == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's audio.translations
async def test_audio_and_images_are_mapped_metered_and_priced_per_unit(
    gateway_factory: Any, fake_provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    gw = await gateway_factory(config(fake_provider), {"p": OPEN})
    client = sdk(gw)
    text = await client.audio.transcriptions.create(model="stt", file=("hi.wav", wav()))
    assert text.text == "transcribed by whisper-1"  # the form's model field was mapped
    tokens = await client.audio.translations.create(model="stt-tokens", file=("hi.wav", wav()))
    assert tokens.text == "transcribed by gpt-4o-transcribe"
    async with client.audio.speech.with_streaming_response.create(
        model="tts", voice="alloy", input="Hello there"
    ) as speech:
        audio = b"".join([part async for part in speech.iter_bytes()])
    assert audio == b"".join(SPEECH)
    image = await client.images.generate(model="img", prompt="a fox", n=2)
    assert len(image.data or []) == 2
    priced = await client.images.generate(model="img-tokens", prompt="a fox")
    assert priced.usage is not None
    await gw.settled()
    lines = {line["path"] + str(line["model"]): line for line in access_lines(capsys)}
    seconds = lines["/v1/audio/transcriptionsstt"]
    assert (seconds["units"], seconds["unit"]) == (3, "seconds")
    assert seconds["cost_usd"] == pytest.approx(3 * 0.0001)
    assert lines["/v1/audio/translationsstt-tokens"]["input_tokens"] == 14
    said = lines["/v1/audio/speechtts"]
    assert (said["units"], said["unit"]) == (len("Hello there"), "characters")
    assert said["cost_usd"] == pytest.approx(len("Hello there") * 15.0 / 1e6)
    drawn = lines["/v1/images/generationsimg"]
    assert (drawn["units"], drawn["cost_usd"]) == (2, pytest.approx(0.08))
    assert lines["/v1/images/generationsimg-tokens"]["output_tokens"] == 1056


@pytest.fixture
def key_policy(tmp_path: Path) -> str:
    keys = tmp_path / "keys.toml"
    keys.write_text(f"""
[[keys]]
id = "limited"
hash = "{hash_key(LIMITED)}"
models = ["stt", "reason"]

[[keys]]
id = "full"
hash = "{hash_key(FULL)}"
""")
    return (
        f'[[plugins]]\nuse = "api_key"\nkeys_file = "{keys}"\n\n[[plugins]]\nuse = "upload_scan"\n'
    )


async def test_models_and_uploads_follow_the_callers_allowlist(
    gateway_factory: Any, fake_provider: FakeProvider, key_policy: str
) -> None:
    gw = await gateway_factory(config(fake_provider), {"p": key_policy})
    limited, full = sdk(gw, LIMITED), sdk(gw, FULL)
    assert sorted(m.id for m in (await limited.models.list()).data) == ["reason", "stt"]
    assert len((await full.models.list()).data) == 6
    assert (await limited.audio.transcriptions.create(model="stt", file=("a.wav", wav()))).text
    with pytest.raises(openai.PermissionDeniedError):
        await limited.audio.transcriptions.create(model="stt-tokens", file=("a.wav", wav()))
    before = len(fake_provider.requests)
    with pytest.raises(openai.APIStatusError) as scanned:  # upload_scan applies to audio
        await full.audio.transcriptions.create(model="stt", file=("a.wav", b"\x7fELF" + b"\0" * 60))
    assert scanned.value.status_code == 422
    assert len(fake_provider.requests) == before


async def test_azure_deployments_api_version_key_and_content_filter(
    gateway_factory: Any, fake_provider: FakeProvider
) -> None:
    root = fake_provider.url.removesuffix("/v1")
    gw = await gateway_factory(
        f"""
[providers.az]
type = "azure"
base_url = "{root}"
api_key = "az-secret"
api_version = "2024-10-21"
models = {{ "chat-fast" = "gpt4o-deploy" }}

[upstreams.main]
targets = [{{ provider = "az" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "p"
upstream = "main"
""",
        {"p": OPEN},
    )
    client = sdk(gw)
    reply = await client.chat.completions.create(
        model="chat-fast", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content == fake_provider.reply
    seen = fake_provider.requests[-1]
    assert seen.path == "/openai/deployments/gpt4o-deploy/chat/completions"
    assert seen.query == "api-version=2024-10-21"
    assert seen.headers["api-key"] == "az-secret" and "authorization" not in seen.headers
    fake_provider.mode = "content_filter"
    with pytest.raises(openai.BadRequestError) as filtered:
        await client.chat.completions.create(
            model="chat-fast", messages=[{"role": "user", "content": "bad"}]
        )
    body = filtered.value.body
    assert body["type"] == "content_filter"  # type: ignore[index]
    assert body["content_filter_result"]["hate"]["filtered"] is True  # type: ignore[index]
