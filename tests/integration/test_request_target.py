"""One canonical request target: policy and provider agree on every path variant (issue 17,
H1/H2), over HTTP/1.1 on a raw socket and over h2c, where no client library tidies the path.

The policy answers 413 for anything under ``/v1/chat/`` (a ``when``-scoped body_limit), so a
variant that the provider would serve as a chat completion but the policy did not see as one
is caught; the provider records the raw target it got.
"""

from __future__ import annotations

from posixpath import normpath
from urllib.parse import unquote

import orjson
import pytest

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.rawhttp import AMBIGUOUS_PATHS, request_bytes, send_h2, send_raw
from tests.fixtures.upstreams import FakeProvider, one_provider_config

POLICY = """
[[plugins]]
use = "body_limit"
when = { path_prefix = "/v1/chat/" }
max_body = 1
"""

BODY = orjson.dumps({"model": "chat-fast", "messages": [{"role": "user", "content": "hello"}]})

# Escapes that mean the same to every server: decoded once, forwarded re-encoded.
PLAIN = {
    "/v1/files/abc": "/v1/files/abc",
    "/v1/%66iles/abc": "/v1/files/abc",
    "/v1/files/file%20one": "/v1/files/file%20one",
    "/v1/files/.hidden": "/v1/files/.hidden",
    "/v1/files/a..b": "/v1/files/a..b",
}


@pytest.fixture
async def gateway(gateway_factory, fake_provider):
    return await gateway_factory(one_provider_config(fake_provider), {"default": POLICY})


def _resolved(raw: str) -> str:
    """What a lenient provider server could make of a raw path: decoded and resolved."""
    path = unquote(unquote(raw)).replace("\\", "/").split("?")[0].split("#")[0].split(";")[0]
    return normpath(path)


async def _check(provider: FakeProvider, raw: str, status: int, body: bytes) -> None:
    if raw in PLAIN:
        assert status == 200, (raw, status, body)
        assert provider.requests[-1].raw_path == PLAIN[raw]
        return
    assert status == 400, (raw, status, body)
    assert orjson.loads(body)["error"]["type"] == "invalid_path"
    assert not provider.requests, (raw, provider.requests)


@pytest.mark.parametrize("raw", AMBIGUOUS_PATHS + list(PLAIN))
@BOTH_ENGINES
async def test_http1_path_variants(gateway, fake_provider, raw: str) -> None:
    method = "GET" if raw in PLAIN else "POST"
    response = await send_raw(
        gateway.port,
        request_bytes(
            method, raw, {"Content-Type": "application/json"}, BODY if method == "POST" else b""
        ),
    )
    await _check(fake_provider, raw, response.status, response.body)
    assert response.header("x-request-id")  # the gateway's envelope, not a server's page


@pytest.mark.parametrize("raw", AMBIGUOUS_PATHS + list(PLAIN))
@BOTH_ENGINES
async def test_h2_path_variants(gateway, fake_provider, raw: str) -> None:
    method = "GET" if raw in PLAIN else "POST"
    response = await send_h2(
        gateway.port,
        method,
        raw,
        {"content-type": "application/json"},
        BODY if method == "POST" else b"",
    )
    await _check(fake_provider, raw, response.status, response.body)


@BOTH_ENGINES
async def test_policy_sees_what_the_provider_serves(gateway, fake_provider) -> None:
    """The chat policy (413) holds for a canonical chat path, and nothing that reaches the
    provider resolves, at the provider, to a different resource than the gateway judged."""
    response = await send_raw(
        gateway.port,
        request_bytes("POST", "/v1/chat/completions", {"Content-Type": "application/json"}, BODY),
    )
    assert response.status == 413
    for raw in PLAIN:
        await send_raw(gateway.port, request_bytes("GET", raw))
    for seen in fake_provider.requests:
        assert _resolved(seen.raw_path) == unquote(seen.raw_path)
        assert seen.raw_path.startswith("/v1/")


@BOTH_ENGINES
async def test_strip_prefix_sends_a_prefixed_route_to_the_providers_own_path(
    gateway_factory, fake_provider
) -> None:
    config = one_provider_config(fake_provider).replace(
        'match = { path_prefix = "/v1/" }',
        'match = { path_prefix = "/internal/v1/" }\nstrip_prefix = "/internal"',
    )
    gw = await gateway_factory(config, {"default": '[[plugins]]\nuse = "request_id"\n'})
    response = await gw.client.post(
        f"{gw.url}/internal/v1/chat/completions",
        json={"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 200
    assert response.json()["usage"]["total_tokens"] == 15  # metered as a chat completion
    assert fake_provider.requests[-1].raw_path == "/v1/chat/completions"


def test_strip_prefix_must_be_implied_by_the_match() -> None:
    from pydantic import ValidationError

    from proxy.config.models import RouteConfig

    ok = RouteConfig.model_validate(
        {
            "match": {"path_prefix": "/internal/v1/"},
            "strip_prefix": "/internal",
            "policy": "p",
            "upstream": "u",
        }
    )
    assert ok.strip_prefix == "/internal"
    for match, strip in (
        ({"path_prefix": "/v1/"}, "/internal"),
        ({}, "/x"),
        ({"path_prefix": "/internalx/"}, "/internal"),
        ({"path_prefix": "/a/"}, "/a/"),
    ):
        with pytest.raises(ValidationError):
            RouteConfig.model_validate(
                {"match": match, "strip_prefix": strip, "policy": "p", "upstream": "u"}
            )
