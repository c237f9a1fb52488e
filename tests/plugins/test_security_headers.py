"""security_headers through the real pipeline: preset values cell by cell, overrides, leaks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import ValidationError
from starlette.responses import Response

from plugins.security_headers import PRESETS, SecurityHeaders
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.state import MemoryStore
from proxy.testing import FakeReply, FakeUpstream, Harness

DOC = Path(__file__).resolve().parents[2] / "docs" / "security-headers.md"
LEAKY = FakeReply(
    200,
    [
        (b"content-type", b"application/json"),
        (b"server", b"nginx/1.22.1"),
        (b"x-powered-by", b"Express"),
        (b"x-aspnet-version", b"4.0.30319"),
        (b"via", b"1.1 internal-lb-07"),
        (b"x-frame-options", b"ALLOWALL"),
        (b"x-ratelimit-remaining", b"9"),
    ],
    [b'{"ok": true}'],
)


def documented_presets() -> dict[str, dict[str, str | None]]:
    """Parse the preset table of docs/security-headers.md: {preset: {header: value|None}}."""
    table: dict[str, dict[str, str | None]] = {"api": {}, "strict": {}}
    in_table = False
    for line in DOC.read_text().splitlines():
        if line.startswith("| Header | api | strict |"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not line.startswith("|---"):
            name, api, strict = (cell.strip() for cell in line.strip("|").split("|"))
            for preset, cell in (("api", api), ("strict", strict)):
                match = re.fullmatch(r"`([^`]*)`.*", cell)
                table[preset][name] = match.group(1) if match else None
    return table


DOCUMENTED = documented_presets()


class Refuse(Plugin):
    """A later plugin that refuses, to check the refusal carries the headers too."""

    name = "refuse"
    status: ClassVar[int] = 429

    class Options(PluginOptions):
        pass

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)

    async def on_request(self, ex: Exchange) -> Response | None:
        raise PolicyError(self.status, None, "slow down")


def test_the_doc_table_covers_every_preset_header() -> None:
    assert len(DOCUMENTED["api"]) >= 10
    for preset in ("api", "strict"):
        documented = {h for h, v in DOCUMENTED[preset].items() if v is not None}
        assert documented == set(PRESETS[preset])


@pytest.mark.parametrize("preset", ["api", "strict"])
@pytest.mark.parametrize("header", sorted(DOCUMENTED["strict"]))
async def test_preset_header_matches_the_documented_value(preset: str, header: str) -> None:
    harness = Harness([(SecurityHeaders, {"preset": preset})])
    result = await harness.request("POST", json={"model": "m", "messages": []})
    assert result.status == 200
    expected = DOCUMENTED[preset][header]
    if header == "Cache-Control" and preset == "api":
        expected = None  # api sets it on errors only
    assert result.header(header) == expected


async def test_upstream_leaks_are_stripped_and_our_values_win() -> None:
    harness = Harness([(SecurityHeaders, {})], FakeUpstream(LEAKY))
    result = await harness.request("GET", "/v1/models")
    for leak in ("server", "x-powered-by", "x-aspnet-version", "via"):
        assert result.header(leak) is None, leak
    assert result.header("x-frame-options") == "DENY"
    assert [v for k, v in result.headers if k == "x-frame-options"] == ["DENY"]
    assert result.header("x-ratelimit-remaining") == "9"  # not a leak: untouched


async def test_override_remove_and_custom_strip_list() -> None:
    options = {
        "headers": {"X-Frame-Options": "SAMEORIGIN", "X-Team": "ai"},
        "remove": ["permissions-policy"],
        "strip": ["X-Powered-By"],
    }
    harness = Harness([(SecurityHeaders, options)], FakeUpstream(LEAKY))
    result = await harness.request("GET", "/v1/models")
    assert result.header("x-frame-options") == "SAMEORIGIN"
    assert result.header("x-team") == "ai"
    assert result.header("permissions-policy") is None
    assert result.header("x-powered-by") is None
    assert result.header("server") == "nginx/1.22.1"  # no longer in the strip list


@pytest.mark.parametrize("status", [429, 401, 413])
async def test_a_later_plugins_refusal_carries_the_headers_and_no_store(status: int) -> None:
    refuse = type("RefuseN", (Refuse,), {"status": status})
    harness = Harness([(SecurityHeaders, {}), (refuse, {})])
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == status
    assert result.json()["error"]["code"] == status
    assert result.header("cache-control") == "no-store"
    assert result.header("x-content-type-options") == "nosniff"
    assert result.header("content-security-policy") == DOCUMENTED["api"]["Content-Security-Policy"]
    assert result.header("x-request-id")


async def test_upstream_404_gets_headers_and_no_store_but_200_does_not() -> None:
    not_found = FakeReply.json({"error": {"message": "no such model"}}, status=404)
    harness = Harness([(SecurityHeaders, {})], FakeUpstream(not_found))
    result = await harness.request("GET", "/v1/models/nope")
    assert result.status == 404
    assert result.header("cache-control") == "no-store"
    assert (
        result.header("strict-transport-security") == DOCUMENTED["api"]["Strict-Transport-Security"]
    )
    ok = await Harness([(SecurityHeaders, {})]).request("GET", "/v1/models")
    assert ok.status == 200 and ok.header("cache-control") is None


async def test_error_headers_can_be_disabled() -> None:
    harness = Harness([(SecurityHeaders, {"error_headers": {}}), (Refuse, {})])
    result = await harness.request("POST", json={})
    assert result.status == 429 and result.header("cache-control") is None


async def test_streaming_responses_get_the_headers() -> None:
    sse = FakeReply.sse([{"choices": [{"delta": {"content": "hi"}}]}])
    harness = Harness([(SecurityHeaders, {"preset": "strict"})], FakeUpstream(sse))
    result = await harness.request("POST", json={"model": "m", "stream": True})
    assert result.header("content-type") == "text/event-stream"
    assert result.header("cache-control") == "no-store, max-age=0"
    assert b"data: [DONE]" in result.body


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"preset": "paranoid"}, "preset"),
        ({"headers": {"Bad Name": "x"}}, "not a valid header name"),
        ({"headers": {"X-A": "one\r\nSet-Cookie: a=b"}}, "control character"),
        ({"remove": ["X-Not-Sent"]}, "not a header the 'api' preset sends"),
        ({"strip": ["x:y"]}, "not a valid header name"),
        ({"unknown": 1}, "Extra inputs"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SecurityHeaders.Options.model_validate(options)


def test_remove_may_name_a_header_added_by_headers_and_describe_has_no_values() -> None:
    options = SecurityHeaders.Options.model_validate(
        {"preset": "none", "headers": {"X-A": "secret-ish"}, "remove": ["x-a"]}
    )
    plugin = SecurityHeaders(options, Services(store=MemoryStore(), metrics=Metrics()))
    assert plugin.describe()["sets"] == []
    assert "secret-ish" not in repr(plugin.describe())
