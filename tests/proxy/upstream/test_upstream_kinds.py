"""Provider kinds: each one's auth headers, URLs, config checks and error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from proxy.apis import BY_NAME
from proxy.config.upstreams import ProviderConfig, TimeoutsConfig
from proxy.translate import Untranslatable
from proxy.upstream.kinds import KINDS
from proxy.upstream.kinds.azure import map_content_filter
from proxy.upstream.provider import Provider


def provider(**config: Any) -> Provider:
    return Provider("p", ProviderConfig(**config))


def test_every_kind_is_documented_and_in_the_schema_enum() -> None:
    schema = ProviderConfig.model_json_schema()
    assert schema["properties"]["type"]["enum"] == list(KINDS)
    page = (Path(__file__).parents[3] / "docs" / "providers.md").read_text()
    assert all(f"| `{name}` |" in page for name in KINDS)


def test_anthropic_sends_its_key_and_version_and_drops_the_clients() -> None:
    claude = provider(type="anthropic", api_key="sk-ant", api_version="2024-01-01")
    assert claude.base_url == "https://api.anthropic.com/v1"
    request = claude.request(
        "POST", "/v1/messages", b"", [("x-api-key", "caller"), ("accept", "*/*")], b"{}",
        TimeoutsConfig(),
    )  # fmt: skip
    assert request.url == "https://api.anthropic.com/v1/messages"
    assert ("x-api-key", "caller") not in request.headers
    assert ("x-api-key", "sk-ant") in request.headers
    assert ("anthropic-version", "2024-01-01") in request.headers
    assert claude.translator(BY_NAME["messages"]) is None
    assert claude.translator(BY_NAME["chat"]) is not None
    with pytest.raises(Untranslatable, match="responses API"):
        claude.translator(BY_NAME["responses"])


@pytest.mark.parametrize(
    ("api", "model", "query", "url"),
    [
        ("chat", "dep 1", b"", "/openai/deployments/dep%201/chat/completions?api-version=V"),
        ("embeddings", "e", b"x=1&api-version=old", "/openai/deployments/e/embeddings?x=1&api-version=V"),  # noqa: E501
        ("transcriptions", "w", b"", "/openai/deployments/w/audio/transcriptions?api-version=V"),
        ("responses", "r", b"", "/openai/responses?api-version=V"),
        ("chat", "../../admin", b"", "/openai/deployments/..%2F..%2Fadmin/chat/completions?api-version=V"),  # noqa: E501
    ],
)  # fmt: skip
def test_azure_puts_the_deployment_and_api_version_in_the_url(
    api: str, model: str, query: bytes, url: str
) -> None:
    azure = provider(
        type="azure", base_url="https://r.openai.azure.com/", api_key="k", api_version="V"
    )
    path = "/v1" + BY_NAME[api].suffix
    assert azure.url(path, query, BY_NAME[api], model) == "https://r.openai.azure.com" + url
    assert azure.auth_headers() == [("api-key", "k")]
    bearer = provider(type="azure", base_url="https://r", api_key="tok", auth="bearer")
    assert bearer.auth_headers() == [("authorization", "Bearer tok")]


def test_azure_content_filter_becomes_the_gateway_envelope() -> None:
    body = orjson.dumps({"error": {"code": "content_filter", "message": "filtered",
        "innererror": {"code": "ResponsibleAIPolicyViolation",
                       "content_filter_result": {"hate": {"filtered": True}}}}})  # fmt: skip
    error = orjson.loads(map_content_filter(body))["error"]
    assert (error["type"], error["code"], error["message"]) == ("content_filter", 400, "filtered")
    assert error["content_filter_result"] == {"hate": {"filtered": True}}
    other = b'{"error": {"code": "429", "message": "slow"}}'
    assert map_content_filter(other) == other
    assert map_content_filter(b"not json") == b"not json"


async def test_azure_adapts_only_error_responses() -> None:
    class Answer:
        def __init__(self, status: int, body: bytes) -> None:
            self.status, self.headers, self._body = status, [(b"content-length", b"9")], body

        async def chunks(self) -> AsyncIterator[bytes]:
            yield self._body

        async def aclose(self) -> None:
            return None

    azure = provider(type="azure", base_url="https://r", api_key="k")
    ok = Answer(200, b"{}")
    assert azure.kind.adapt(ok) is ok
    mapped = azure.kind.adapt(Answer(400, b'{"error":{"code":"content_filter","message":"m"}}'))
    assert mapped.headers == []
    assert (
        orjson.loads(b"".join([c async for c in mapped.chunks()]))["error"]["type"]
        == "content_filter"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "bedrock"}, "unknown provider type 'bedrock'"),
        ({"type": "openai"}, 'type "openai" needs base_url'),
        ({"type": "azure", "api_key": "k"}, 'type "azure" needs base_url'),
        ({"type": "anthropic", "base_url": "ftp://x"}, "must start with http"),
    ],
)
def test_config_mistakes_name_the_kind(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ProviderConfig(**config)


def test_which_kinds_need_a_key() -> None:
    assert ProviderConfig(type="mock").enabled
    assert not ProviderConfig(type="anthropic").enabled
    assert ProviderConfig(type="anthropic", api_key="k").enabled
