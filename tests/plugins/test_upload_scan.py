"""upload_scan through the real pipeline with real libmagic (clamd: tests/integration)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from plugins.upload_scan import Scanned, UploadScan
from proxy.testing import Harness
from tests.data.uploads import generate as g


async def upload(harness: Harness, content_type: str, body: bytes, path: str = "/v1/files") -> Any:
    return await harness.request("POST", path, body=body, headers={"content-type": content_type})


@pytest.mark.parametrize(
    ("name", "ctype", "data"),
    [
        ("report.pdf", "application/pdf", g.pdf()),
        ("pic.png", "image/png", g.png()),
        ("memo.docx", None, g.docx()),
        ("notes.txt", "text/plain", b"plain notes\n" * 50),
    ],
)
async def test_allowed_files_are_forwarded_byte_for_byte(
    name: str, ctype: str | None, data: bytes
) -> None:
    harness = Harness([(UploadScan, {})])
    content_type, body = g.one_file(name, ctype, data)
    result = await upload(harness, content_type, body)
    assert result.status == 200
    assert harness.upstream.requests[0].body == body
    assert harness.upstream.requests[0].headers["content-type"] == content_type
    assert result.exchange.events == []
    plugin = harness.chain.plugins[0]
    assert result.exchange.state_for(plugin, Scanned).verdict is None  # spool released


async def test_text_renamed_png_is_422_saying_only_file_rejected() -> None:
    harness = Harness([(UploadScan, {})])
    content_type, body = g.one_file("cat.png", "image/png", b"#!/bin/sh\nrm -rf /\n" * 20)
    result = await upload(harness, content_type, body)
    assert result.status == 422
    error = result.json()["error"]
    assert (error["type"], error["message"]) == ("file_rejected", "file rejected")
    assert harness.upstream.requests == []
    (event,) = result.exchange.events
    assert event.type == "scan_blocked" and event.detail["file"] == "cat.png"
    assert event.detail["kind"] in ("type_mismatch", "type_not_allowed")
    assert "text/" in event.detail["detail"]  # the sniffed type is in the event, not the answer
    assert "text/" not in result.body.decode()


async def test_type_not_on_the_allowlist() -> None:
    harness = Harness([(UploadScan, {"allow_types": ["image/*"]})])
    result = await upload(harness, *g.one_file("report.pdf", "application/pdf", g.pdf()))
    assert result.status == 422
    assert result.exchange.events[0].detail["kind"] == "type_not_allowed"


CSV_LIKE_TEXT = b"name, team, city\nAda, core, London\nLinus, kernel, Helsinki\n" * 20


async def test_plain_text_with_commas_passes_a_text_plain_allowlist() -> None:
    """Issue 14's reproduction: libmagic reads these lines as text/csv; text/plain admits them."""
    harness = Harness([(UploadScan, {"allow_types": ["text/plain"]})])
    result = await upload(harness, *g.one_file("notes.txt", "text/plain", CSV_LIKE_TEXT))
    assert result.status == 200, result.exchange.events
    markdown = b"# Title\n\n- item one\n- item two\n\n```\ncode\n```\n" * 10
    jsonl = b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n' * 20
    for name, data in [
        ("readme.md", markdown),
        ("rows.jsonl", jsonl),
        ("d.json", b'{"k": [1, 2]}'),
    ]:
        result = await upload(harness, *g.one_file(name, "application/octet-stream", data))
        assert result.status == 200, (name, result.exchange.events)


async def test_text_plain_family_never_admits_active_or_binary_types() -> None:
    harness = Harness([(UploadScan, {"allow_types": ["text/plain"]})])
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n" * 5
    for name, data in [("page.txt", html), ("report.pdf", g.pdf())]:
        result = await upload(harness, *g.one_file(name, "application/octet-stream", data))
        assert result.status == 422, name
        assert result.exchange.events[0].detail["kind"] == "type_not_allowed"


async def test_exact_types_refuses_what_libmagic_calls_csv() -> None:
    harness = Harness([(UploadScan, {"allow_types": ["text/plain"], "exact_types": True})])
    result = await upload(harness, *g.one_file("notes.txt", "text/plain", CSV_LIKE_TEXT))
    assert result.status == 422
    assert result.exchange.events[0].detail["kind"] == "type_not_allowed"
    assert "text/csv" in result.exchange.events[0].detail["detail"]


async def test_size_limits_are_413() -> None:
    harness = Harness([(UploadScan, {"max_file_size": 1000})])
    result = await upload(harness, *g.one_file("big.txt", "text/plain", b"a" * 5000))
    assert result.status == 413 and result.json()["error"]["type"] == "payload_too_large"
    assert result.exchange.events[0].detail["kind"] == "file_too_large"
    total = Harness([(UploadScan, {"max_total_size": 2000, "max_file_size": 1500})])
    parts = [("a", "a.txt", "text/plain", b"a" * 1200), ("b", "b.txt", "text/plain", b"b" * 1200)]
    result = await upload(total, *g.multipart(parts))
    assert result.status == 413


async def test_zip_bomb_is_refused_when_archive_checks_are_on() -> None:
    options = {"allow_types": ["application/zip"], "archive": {"max_ratio": 50}}
    harness = Harness([(UploadScan, options)])
    result = await upload(harness, *g.one_file("bomb.zip", "application/zip", g.zip_bomb()))
    assert result.status == 422
    assert result.exchange.events[0].detail["kind"] == "archive"
    plain = Harness([(UploadScan, {"allow_types": ["application/zip"]})])
    ok = await upload(plain, *g.one_file("small.zip", None, g.zip_of([("a.txt", b"hi")])))
    assert ok.status == 200


async def test_malformed_multipart_is_400() -> None:
    harness = Harness([(UploadScan, {})])
    result = await upload(harness, "multipart/form-data; boundary=abc", b"--abc\r\ngarbage")
    assert result.status == 400 and result.json()["error"]["type"] == "invalid_request"


async def test_other_paths_and_non_multipart_bodies_pass_untouched() -> None:
    harness = Harness([(UploadScan, {"paths": ["/v1/files"]})])
    content_type, body = g.one_file("cat.png", "image/png", b"not a png")
    other = await upload(harness, content_type, body, path="/v1/chat/completions")
    assert other.status == 200 and harness.upstream.requests[-1].body == body
    raw = await upload(harness, "application/octet-stream", b"not a png")
    assert raw.status == 200
    strict = Harness([(UploadScan, {"require_multipart": True, "paths": ["/v1/files"]})])
    refused = await upload(strict, "application/octet-stream", b"not a png")
    assert refused.status == 415


@pytest.mark.parametrize(
    "path", ["/v1/images/edits", "/v1/images/variations", "/v1/audio/translations", "/v2/x"]
)
async def test_by_default_every_multipart_body_on_the_route_is_scanned(path: str) -> None:
    """The old default listed three endpoints, so /v1/images/edits was never scanned
    (issue 17, L14); now every multipart body on the route is, and JSON passes."""
    harness = Harness([(UploadScan, {})])
    content_type, body = g.one_file("cat.png", "image/png", b"#!/bin/sh\nrm -rf /\n")
    result = await upload(harness, content_type, body, path=path)
    assert result.status == 422
    chat = await harness.request("POST", json={"model": "m", "messages": []})
    assert chat.status == 200


async def test_a_filename_star_part_is_judged_as_a_file() -> None:
    harness = Harness([(UploadScan, {})])
    body = (
        b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''cat.png\r\n"
        b"Content-Type: image/png\r\n\r\n#!/bin/sh\nrm -rf /\n\r\n--b--\r\n"
    )
    result = await upload(harness, "multipart/form-data; boundary=b", body)
    assert result.status == 422  # a shell script is no allowed file type; a field would pass


def test_require_multipart_needs_listed_paths() -> None:
    with pytest.raises(ValidationError, match="require_multipart needs paths"):
        UploadScan.Options.model_validate({"require_multipart": True})


async def test_monitor_mode_records_but_forwards_the_whole_original_body() -> None:
    harness = Harness([(UploadScan, {"mode": "monitor"})])
    content_type, body = g.one_file("cat.png", "image/png", b"just text " * 2000)
    result = await upload(harness, content_type, body)
    assert result.status == 200
    assert harness.upstream.requests[0].body == body
    types = {e.type for e in result.exchange.events}
    assert "scan_blocked" in types and all(e.monitored for e in result.exchange.events)


@pytest.mark.parametrize(("on_error", "status"), [("deny", 503), ("allow", 200)])
async def test_clamd_down_follows_on_error(tmp_path: Path, on_error: str, status: int) -> None:
    options = {"clamd": f"unix://{tmp_path}/absent.sock", "on_error": on_error}
    harness = Harness([(UploadScan, options)])
    content_type, body = g.one_file("report.pdf", "application/pdf", g.pdf())
    result = await upload(harness, content_type, body)
    assert result.status == status
    if status == 503:
        assert result.json()["error"]["type"] == "scanner_unavailable"
        assert result.header("retry-after") == "1"
    else:
        assert harness.upstream.requests[0].body == body
        assert [e.type for e in result.exchange.events] == ["scan_degraded"]


async def test_concurrent_uploads_get_their_own_verdicts() -> None:
    harness = Harness([(UploadScan, {})])
    good = g.one_file("r.pdf", "application/pdf", g.pdf())
    bad = g.one_file("x.png", "image/png", b"text " * 100)
    results = await asyncio.gather(*(upload(harness, *(bad if i % 2 else good)) for i in range(8)))
    assert [r.status for r in results] == [422 if i % 2 else 200 for i in range(8)]
    assert all(r.body == good[1] for r in harness.upstream.requests)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clamd": "localhost:3310"}, "unix:///path or tcp://host:port"),
        ({"paths": ["v1/files"]}, "starts with /"),
        ({"allow_types": ["pdf"]}, "not a media type"),
        ({"allow_types": []}, "at least 1"),
        ({"on_error": "ignore"}, "allow"),
        ({"archive": {"max_ratio": 1}}, "greater than 1"),
        ({"max_file_size": "big"}, "size"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        UploadScan.Options.model_validate(options)
