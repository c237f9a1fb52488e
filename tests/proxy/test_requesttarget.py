"""The canonical request path and the provider URL built from it (issue 17, H1/H2)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from proxy.apis import client_api
from proxy.config.upstreams import ProviderConfig
from proxy.requesttarget import InvalidPath, canonical_path
from proxy.upstream.provider import Provider
from tests.fixtures.rawhttp import AMBIGUOUS_PATHS


def scope(raw: str) -> dict[str, object]:
    return {"raw_path": raw.encode("latin-1"), "path": unquote(raw)}


@pytest.mark.parametrize(
    "raw", [*AMBIGUOUS_PATHS, "*", "http://evil.example/v1/x", "v1/x", "/v1/\x01"]
)
def test_ambiguous_targets_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPath) as refused:
        canonical_path(scope(raw))
    assert refused.value.status == 400
    assert refused.value.type == "invalid_path"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/v1/%63hat/completions", "/v1/chat/completions"),
        ("/v1/files/file%20one", "/v1/files/file one"),
        ("/v1/files/caf%C3%A9", "/v1/files/café"),
        ("/v1/files/.hidden", "/v1/files/.hidden"),
        ("/v1/models/", "/v1/models/"),
        ("/v1/models/x:generate", "/v1/models/x:generate"),
    ],
)
def test_plain_targets_decode_once(raw: str, canonical: str) -> None:
    assert canonical_path(scope(raw)) == canonical


def test_a_query_in_raw_path_is_not_part_of_the_path() -> None:
    assert canonical_path({"raw_path": b"/v1/models?x=1", "path": "/v1/models"}) == "/v1/models"


def test_without_raw_path_the_decoded_path_is_judged() -> None:
    assert canonical_path({"path": "/v1/models"}) == "/v1/models"
    with pytest.raises(InvalidPath):
        canonical_path({"path": "/v1/../admin"})
    with pytest.raises(InvalidPath):
        canonical_path({"path": "/v1/chat/completions?"})


@pytest.mark.parametrize(
    "base", ["https://api.example/v1", "https://openrouter.example/api/v1", "http://h:8/x/y/"]
)
@pytest.mark.parametrize(
    "raw", ["/v1/chat/completions", "/v1/files/file%20one", "/v1/files/caf%C3%A9", "/v1"]
)
def test_the_provider_url_stays_under_base_url(base: str, raw: str) -> None:
    provider = Provider("p", ProviderConfig(type="openai", base_url=base), client=None)  # type: ignore[arg-type]
    url = provider.url(canonical_path(scope(raw)), b"a=1")
    prefix = base.rstrip("/")
    assert url.startswith(prefix)
    assert urlsplit(url).query == "a=1"
    # What the provider decodes is what the policy judged, after the /v1 base_url replaces.
    assert unquote(urlsplit(url).path) == unquote(urlsplit(prefix).path) + unquote(raw)[3:]


def test_the_provider_url_refuses_a_dot_segment_that_skipped_the_core() -> None:
    provider = Provider("p", ProviderConfig(type="openai", base_url="https://a/v1"), client=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        provider.url("/v1/../admin", b"")


def test_an_azure_deployment_name_is_one_path_segment() -> None:
    config = ProviderConfig(type="azure", base_url="https://res.example", api_version="2024-10-21")
    provider = Provider("az", config, client=None)  # type: ignore[arg-type]
    path = "/v1/chat/completions"
    url = provider.url(path, b"", client_api(path), "../../admin/x")
    assert urlsplit(url).path.startswith("/openai/deployments/")
    segments = urlsplit(url).path.split("/")  # "", openai, deployments, <one>, chat, completions
    assert len(segments) == 6 and unquote(segments[3]) == "../../admin/x"
