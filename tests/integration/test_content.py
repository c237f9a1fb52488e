"""The content plugins in the real gateway over real sockets, with a real clamd and libmagic:
security headers on answers and refusals, a CORS preflight, body limits on a chunked upload,
input scanning and redaction, and uploads scanned by clamd and forwarded byte for byte."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.data.uploads import generate as g
from tests.fixtures.clamd import ClamdServer
from tests.fixtures.upstreams import FakeProvider

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi there"}]}
APP = "https://app.example.com"


def config_for(provider: FakeProvider) -> str:
    return f"""
[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "sk-provider-secret"
models = {{ "chat-fast" = "fake-model-8b" }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
timeouts = {{ connect = "1s", first_byte = "5s", total = "20s" }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "content"
upstream = "chat"
"""


def policy_for(clamd: ClamdServer) -> str:
    return f"""
description = "content plugins, in their documented order"

[[plugins]]
use = "security_headers"
preset = "api"

[[plugins]]
use = "cors"
allow_origins = ["{APP}", "https://*.example.org"]
allow_credentials = true

[[plugins]]
use = "body_limit"
max_body = "64KiB"
allow_content_types = ["application/json", "multipart/form-data", "application/octet-stream"]

[[plugins]]
use = "input_scan"
checks = ["xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii"]

[[plugins]]
use = "upload_scan"
paths = ["/v1/files"]
allow_types = ["application/pdf", "image/png", "text/plain"]
clamd = "{clamd.unix_url}"
on_error = "deny"
"""


@pytest.fixture
async def gw(gateway_factory: Any, fake_provider: FakeProvider, clamd_server: ClamdServer) -> Any:
    return await gateway_factory(config_for(fake_provider), {"content": policy_for(clamd_server)})


async def test_answers_carry_security_headers_and_lose_the_server_leak(
    gw: Any, fake_provider: FakeProvider
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    # aiohttp's server announces itself; the gateway must not pass that on (Hypercorn adds
    # its own "hypercorn-h11" date/server header only if configured to)
    assert "aiohttp" not in response.headers.get("server", "")
    assert fake_provider.requests[-1].json()["messages"] == CHAT["messages"]


async def test_preflight_is_answered_at_the_gateway(gw: Any, fake_provider: FakeProvider) -> None:
    headers = {
        "origin": "https://team.example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.options(f"{gw.url}/v1/chat/completions", headers=headers)
        refused = await client.options(
            f"{gw.url}/v1/chat/completions", headers={**headers, "origin": "https://evil.com"}
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://team.example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["x-frame-options"] == "DENY"
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert fake_provider.requests == []


async def test_injection_is_refused_with_headers_and_pii_is_redacted_upstream(
    gw: Any, fake_provider: FakeProvider
) -> None:
    attack = {**CHAT, "messages": [{"role": "user", "content": "1' UNION SELECT password--"}]}
    pii = {**CHAT, "messages": [{"role": "user", "content": "I am jane.roe@gmail.com, hi"}]}
    async with httpx.AsyncClient(timeout=10) as client:
        refused = await client.post(f"{gw.url}/v1/chat/completions", json=attack)
        redacted = await client.post(f"{gw.url}/v1/chat/completions", json=pii)
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "input_rejected"
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["x-request-id"] == refused.json()["error"]["request_id"]
    assert redacted.status_code == 200
    (seen,) = fake_provider.requests
    assert seen.json()["messages"][0]["content"] == "I am [REDACTED:pii], hi"


async def chunked_upload_status(port: int, total: int, content_type: str) -> bytes:
    """Send a chunked body of ``total`` bytes, never the final chunk, and read the status line:
    the gateway must answer without waiting for (or reading) the rest of the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: " + content_type.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 8192
        for _ in range(total // len(chunk)):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def test_chunked_body_past_the_limit_is_413(gw: Any, fake_provider: FakeProvider) -> None:
    status_line = await chunked_upload_status(gw.port, 80_000, "application/json")
    assert status_line.startswith(b"HTTP/1.1 413")
    async with httpx.AsyncClient(timeout=10) as client:
        declared = await client.post(
            f"{gw.url}/v1/chat/completions",
            content=b"{" + b" " * 100_000 + b"}",
            headers={"content-type": "application/json"},
        )
        wrong_type = await client.post(
            f"{gw.url}/v1/chat/completions", content=b"hi", headers={"content-type": "text/xml"}
        )
    assert declared.status_code == 413
    assert wrong_type.status_code == 415
    assert fake_provider.requests == []


@pytest.mark.parametrize(
    ("name", "ctype", "data", "status"),
    [
        ("report.pdf", "application/pdf", g.pdf(), 200),
        ("pic.png", "image/png", g.png(), 200),
        ("eicar.txt", "text/plain", g.eicar(), 422),
        ("notes.png", "image/png", b"these are just notes\n" * 30, 422),
        ("marked.pdf", "application/pdf", g.pdf("x " + g.MARKER.decode() + " y"), 422),
    ],
)
async def test_uploads_are_scanned_by_clamd_and_forwarded_unchanged(
    gw: Any, fake_provider: FakeProvider, name: str, ctype: str, data: bytes, status: int
) -> None:
    content_type, body = g.one_file(name, ctype, data)
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{gw.url}/v1/files", content=body, headers={"content-type": content_type}
        )
    if status == 200:
        # the fake provider does not implement /v1/files: what matters is what it received
        assert response.status_code not in (400, 413, 422, 503)
        (seen,) = fake_provider.requests
        assert seen.body == body
        assert seen.headers["content-type"] == content_type
    else:
        assert response.status_code == status
        assert response.json()["error"] == {
            "type": "file_rejected",
            "message": "file rejected",
            "code": 422,
            "request_id": response.headers["x-request-id"],
        }
        assert "Sluicegate.Test" not in response.text  # the signature stays in the event
        assert fake_provider.requests == []


async def test_clamd_down_denies_uploads_with_503(
    gateway_factory: Any, fake_provider: FakeProvider, clamd_server: ClamdServer, tmp_path: Any
) -> None:
    policy = policy_for(clamd_server).replace(clamd_server.unix_url, f"unix://{tmp_path}/gone")
    gw = await gateway_factory(config_for(fake_provider), {"content": policy})
    content_type, body = g.one_file("report.pdf", "application/pdf", g.pdf())
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{gw.url}/v1/files", content=body, headers={"content-type": content_type}
        )
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "scanner_unavailable"
    assert response.headers["retry-after"]
    assert fake_provider.requests == []


async def test_chunked_upload_on_a_streamed_path_is_a_clean_413_too(
    gw: Any, fake_provider: FakeProvider
) -> None:
    # not JSON, not an upload path: the body would stream to the provider; the limit must
    # still answer 413 rather than break the upstream request half-sent
    status_line = await chunked_upload_status(gw.port, 80_000, "application/octet-stream")
    assert status_line.startswith(b"HTTP/1.1 413")
    assert fake_provider.requests == []
