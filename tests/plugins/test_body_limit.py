"""body_limit through the real pipeline: Content-Length, streamed (chunked) bodies, JSON
depth and members, media types, and the bounded cost of the JSON check."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from plugins.body_limit import BodyLimit, json_complexity
from proxy.testing import Harness

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}


async def send_chunked(
    harness: Harness, chunks: list[bytes], content_type: str = "application/octet-stream"
) -> tuple[int, dict[str, Any] | None, int]:
    """POST ``chunks`` with Transfer-Encoding: chunked (no Content-Length) through the
    pipeline; returns (status, error envelope or None, how many chunks were read)."""
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    read = 0
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal read
        if pending:
            read += 1
            return pending.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/v1/files", "scheme": "http",
        "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
        "headers": [(b"content-type", content_type.encode()), (b"transfer-encoding", b"chunked")],
    }  # fmt: skip
    await harness.pipeline.handle(scope, receive, send)
    done.set()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    error = orjson.loads(body)["error"] if status >= 400 else None
    return status, error, read


async def test_small_json_passes_untouched() -> None:
    harness = Harness([(BodyLimit, {"max_body": "1KiB"})])
    result = await harness.request("POST", json=CHAT)
    assert result.status == 200
    assert harness.upstream.requests[0].json() == CHAT


async def test_content_length_over_limit_is_413_before_reading() -> None:
    harness = Harness([(BodyLimit, {"max_body": 100})])
    result = await harness.request("POST", json={"x": "a" * 200})
    assert result.status == 413
    assert result.json()["error"]["type"] == "payload_too_large"
    assert not result.exchange.body_loaded  # refused from the header alone
    assert [e.type for e in result.exchange.events] == ["body_too_large"]
    assert harness.upstream.requests == []


async def test_exactly_at_the_limit_passes() -> None:
    body = orjson.dumps({"x": "a" * 100})
    harness = Harness([(BodyLimit, {"max_body": len(body)})])
    result = await harness.request("POST", body=body, headers={"content-type": "application/json"})
    assert result.status == 200


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "99999999999999999999"])
async def test_invalid_content_length_is_400(value: str) -> None:
    harness = Harness([(BodyLimit, {})])
    result = await harness.request("POST", headers={"content-length": value})
    assert result.status == 400


async def test_chunked_body_stops_at_the_first_chunk_past_the_limit() -> None:
    harness = Harness([(BodyLimit, {"max_body": 1000, "allow_content_types": ["*/*"]})])
    chunks = [b"x" * 400] * 10
    status, error, read = await send_chunked(harness, chunks)
    assert status == 413 and error is not None and error["type"] == "payload_too_large"
    assert read == 3  # 1200 > 1000 after the third chunk: the rest is never read
    assert harness.upstream.requests == []


async def test_chunked_body_under_the_limit_streams_to_the_provider() -> None:
    harness = Harness([(BodyLimit, {"max_body": 1000, "allow_content_types": ["*/*"]})])
    status, error, _ = await send_chunked(harness, [b"a" * 300, b"b" * 300, b"c" * 300])
    assert status == 200 and error is None
    assert harness.upstream.requests[0].body == b"a" * 300 + b"b" * 300 + b"c" * 300


async def test_chunked_json_is_limited_too() -> None:
    harness = Harness([(BodyLimit, {"max_body": 50})])
    status, error, _ = await send_chunked(
        harness, [b'{"a": "', b"x" * 60, b'"}'], content_type="application/json"
    )
    assert status == 413 and error is not None


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("APPLICATION/JSON", 200),
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("", 415),
        ("application/jsonx", 415),
    ],
)
async def test_content_type_allowlist(content_type: str, status: int) -> None:
    harness = Harness([(BodyLimit, {})])
    headers = {"content-type": content_type} if content_type else {}
    result = await harness.request("POST", body=b'{"model": "m"}', headers=headers)
    assert result.status == status
    if status == 415:
        assert result.json()["error"]["type"] == "unsupported_media_type"
        assert content_type.lower() not in result.json()["error"]["message"] or not content_type


async def test_wildcard_media_type_and_bodiless_requests() -> None:
    harness = Harness([(BodyLimit, {"allow_content_types": ["audio/*"]})])
    ok = await harness.request("POST", body=b"RIFF....", headers={"content-type": "audio/wav"})
    assert ok.status == 200
    assert (await harness.request("GET", "/v1/models")).status == 200  # no body: no type needed
    empty = await harness.request("POST", body=b"", headers={"content-type": "text/plain"})
    assert empty.status == 200  # an empty body has no media type to judge


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(("depth", "status"), [(8, 200), (9, 413), (2000, 413)])
async def test_json_depth(depth: int, status: int) -> None:
    harness = Harness([(BodyLimit, {"max_json_depth": 8})])
    body = b'{"model": "m", "x": ' + nested(depth - 1) + b"}"
    result = await harness.request("POST", body=body, headers={"content-type": "application/json"})
    assert result.status == status
    if status == 413:
        assert result.json()["error"]["type"] == "json_too_complex"
        assert "depth" in result.json()["error"]["message"]


async def test_json_members_counts_elements_and_members_across_the_document() -> None:
    harness = Harness([(BodyLimit, {"max_json_members": 100})])
    ok = {"model": "m", "input": list(range(97))}  # 2 members + 97 elements = 99
    assert (await harness.request("POST", json=ok)).status == 200
    over = {"model": "m", "input": list(range(50)), "extra": {str(i): i for i in range(50)}}
    result = await harness.request("POST", json=over)  # 3 + 50 + 50 = 103
    assert result.status == 413 and "members" in result.json()["error"]["message"]


async def test_commas_inside_strings_do_not_trip_the_limit() -> None:
    harness = Harness([(BodyLimit, {"max_json_members": 10})])
    result = await harness.request("POST", json={"model": "m", "prompt": "," * 500 + "[{" * 50})
    assert result.status == 200


async def test_invalid_json_stays_a_400() -> None:
    harness = Harness([(BodyLimit, {"max_json_members": 3})])
    result = await harness.request(
        "POST", body=b'{"a": 1,, 2, 3, 4}', headers={"content-type": "application/json"}
    )
    assert result.status == 400


def test_json_complexity_walk_stops_early_and_is_iterative() -> None:
    deep: Any = []
    for _ in range(100_000):  # deeper than Python's recursion limit
        deep = [deep]
    assert json_complexity(deep, 512, 10**9) == "depth"
    wide = list(range(1_000_000))
    assert json_complexity(wide, 32, 1000) == "members"
    doc = {"a": [1, {"b": 2}]}  # members: a, 1, {...}, b = 4; depth 3
    assert json_complexity(doc, 3, 4) is None
    assert json_complexity(doc, 3, 3) == "members"
    assert json_complexity(doc, 2, 4) == "depth"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_body": "lots"}, "size"),
        ({"max_json_depth": 0}, "greater than or equal"),
        ({"allow_content_types": ["json"]}, "not a media type"),
        ({"allow_content_types": ["*/*", "text/plain"]}, "list it alone"),
        ({"allow_content_types": ["*/json"]}, "not a media type"),
        ({"allow_content_types": []}, "at least 1"),
        ({"allow_content_types": ["application/json; charset=utf-8"]}, "not a media type"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BodyLimit.Options.model_validate(options)


async def test_concurrent_requests_are_judged_independently() -> None:
    harness = Harness([(BodyLimit, {"max_body": 200})])
    small = harness.request("POST", json={"x": "a" * 10})
    big = harness.request("POST", json={"x": "a" * 500})
    results = await asyncio.gather(*([small, big] * 5))
    assert [r.status for r in results] == [200, 413] * 5
