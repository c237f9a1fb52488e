"""Property-based fuzzing of the request path (issue 17, "what to build" 3).

Random paths, header lines (forwarding headers among them), bodies (JSON, multipart with
every kind of Content-Disposition, junk) and provider usage blocks go through a real chain —
ip_filter, rate_limit, input_scan, upload_scan behind a witness plugin — and must never give:

- a 5xx (the fake provider never fails, so any 5xx is the gateway's own failure);
- an error log or a traceback;
- a lost security event: every event on the exchange is a ``sluicegate.security`` line that
  the JSON formatter can write;
- a request the policy did not see: the provider gets nothing the witness did not pass.

Example counts are bounded (``FUZZ_EXAMPLES``) so the file runs in well under a minute on the
2-core CI machine; hypothesis shrinks a failure to a small reproduction.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.responses import Response

from plugins.input_scan import InputScan
from plugins.ip_filter import IpFilter
from plugins.rate_limit import RateLimit
from plugins.upload_scan import UploadScan
from proxy.exchange import Exchange
from proxy.observe.logging import JsonFormatter
from proxy.plugin import Plugin, PluginOptions
from proxy.testing import FakeReply, FakeUpstream, Harness, Result
from proxy.upstream.client import UpstreamRequest
from proxy.usage import MAX_TOKENS

FUZZ_EXAMPLES = 150
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Witness(Plugin):
    """First in the chain: notes every request it sees and records one event for it."""

    name = "witness"
    Options = PluginOptions

    def __init__(self, options: PluginOptions, services: Any) -> None:
        super().__init__(options, services)
        self.seen: set[str] = set()

    async def on_request(self, ex: Exchange) -> Response | None:
        self.seen.add(ex.request_id)
        ex.record_event("fuzz_seen", self.name, "seen")
        return None


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        json.loads(self.json.format(record))  # every line must be writable JSON
        self.records.append(record)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger("sluicegate")
    root.addHandler(handler)
    saved = root.level
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved)


class Provider:
    """The fake provider's answer: a chat completion whose usage block the test chooses."""

    def __init__(self) -> None:
        self.usage: bytes = b'{"prompt_tokens": 1, "completion_tokens": 1}'

    def __call__(self, request: UpstreamRequest, body: bytes) -> FakeReply:
        reply = (
            b'{"id": "x", "object": "chat.completion", "model": "m", "choices": [{"index": 0, '
            b'"message": {"role": "assistant", "content": "ok"}}], "usage": ' + self.usage + b"}"
        )
        return FakeReply(200, [(b"content-type", b"application/json")], [reply])


@pytest.fixture(scope="module")
def gateway(loop: asyncio.AbstractEventLoop) -> Iterator[tuple[Harness, Witness, Provider]]:
    witness = Witness(PluginOptions(), None)
    provider = Provider()
    harness = Harness(
        [
            witness,
            (IpFilter, {"deny": ["203.0.113.0/24"], "auto_ban": {"after": 5, "within": "1m"}}),
            (RateLimit, {"limit": "100000/second", "burst": 1000}),
            (InputScan, {"checks": ["secrets", "pii", "xss"], "other_bodies": "pass"}),
            (UploadScan, {}),
        ],
        FakeUpstream(provider),
        trusted_proxies=["127.0.0.0/8"],
        max_body=256 * 1024,
    )
    yield harness, witness, provider
    loop.run_until_complete(harness.close())


@pytest.fixture(scope="module")
def metered(loop: asyncio.AbstractEventLoop) -> Iterator[tuple[Harness, Witness, Provider]]:
    """The provider-side fuzz's own gateway: no bans left over from the request fuzz."""
    witness = Witness(PluginOptions(), None)
    provider = Provider()
    harness = Harness([witness], FakeUpstream(provider))
    yield harness, witness, provider
    loop.run_until_complete(harness.close())


# -- strategies -----------------------------------------------------------------------------

_PATH_CHARS = st.sampled_from([*"abcv1/._-%2eEfF3Ff?#\\;:@~+ ", "%2e", "%2f", "..", "\u00e9"])
paths = st.builds(
    lambda parts, base: base + "".join(parts),
    st.lists(_PATH_CHARS, max_size=30),
    st.sampled_from(["/v1/chat/completions", "/v1/", "/", "/v1/files", "/v1/images/edits"]),
)
hops = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=4).map(lambda a: f"{a}:{1234}"),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]:443"),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    st.sampled_from(["unknown", "_hidden", "", " ", "[::1", "1.2.3.4:99999", "\u00ff"]),
)
latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80)
header_lines = st.lists(
    st.one_of(
        st.tuples(st.just("x-forwarded-for"), st.lists(hops, max_size=4).map(", ".join)),
        st.tuples(st.just("forwarded"), hops.map(lambda h: f'for="{h}"')),
        st.tuples(
            st.sampled_from(
                ["x-request-id", "authorization", "accept-encoding", "connection", "x-user"]
            ),
            latin1,
        ),
    ),
    max_size=6,
)
texts = st.text(max_size=120) | st.sampled_from(
    [
        "ghp_8f2KxQ9mT4vR7wL1nZ3bY6cH0jD5sA2eU9pX",
        "mail bob.smith@acme-corp.io now",
        "<script>alert(1)</script>",
        "\ud800",
    ]
)
chat_bodies = st.builds(
    lambda messages, tools: {"model": "m", "messages": messages, **tools},
    st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "system", "assistant"]), "content": texts}
        ),
        max_size=3,
    ),
    st.sampled_from([{}, {"tools": [{"type": "function", "function": {"name": "f"}}]}]),
)
dispositions = st.sampled_from(
    [
        'form-data; name="file"; filename="a.txt"',
        "form-data; name=\"file\"; filename*=UTF-8''a.txt",
        'form-data; name="file"; filename*0="a"; filename*1=".png"',
        'form-data; name="purpose"',
        "form-data",
        "attachment; filename=x",
        'form-data; name="f"; filename=""',
    ]
)
multipart_parts = st.lists(
    st.tuples(
        dispositions, st.sampled_from(["text/plain", "image/png", ""]), st.binary(max_size=200)
    ),
    max_size=4,
)


def multipart(parts: list[tuple[str, str, bytes]], close: bool) -> bytes:
    out = b""
    for disposition, ctype, data in parts:
        out += b"--fz\r\nContent-Disposition: " + disposition.encode() + b"\r\n"
        if ctype:
            out += b"Content-Type: " + ctype.encode() + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + (b"--fz--\r\n" if close else b"")


bodies = st.one_of(
    chat_bodies.map(lambda b: ("application/json", json.dumps(b).encode("utf-8", "surrogatepass"))),
    chat_bodies.map(lambda b: ("text/plain", json.dumps(b).encode("utf-8", "surrogatepass"))),
    st.tuples(multipart_parts, st.booleans()).map(
        lambda pc: ("multipart/form-data; boundary=fz", multipart(pc[0], pc[1]))
    ),
    st.tuples(
        st.sampled_from(["", "application/json", "application/octet-stream"]),
        st.binary(max_size=300),
    ),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
usage_blocks = st.one_of(
    st.fixed_dictionaries(
        {
            "prompt_tokens": json_values,
            "completion_tokens": json_values,
            "total_tokens": json_values,
        }
    ).map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b'{"prompt_tokens": 1e400, "completion_tokens": -1e400}',
            b'{"prompt_tokens": ' + b"9" * 5000 + b"}",
            b'{"prompt_tokens": 18446744073709551617}',
        ]
    ),
)


# -- properties ----------------------------------------------------------------------------

# What the core refuses before any route or policy (docs/security.md): status -> error types.
CORE_REFUSALS = {400: {"invalid_path"}, 415: {"unsupported_content_encoding"}}


def check(
    loop: asyncio.AbstractEventLoop,
    gateway: tuple[Harness, Witness, Provider],
    records: Records,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: tuple[str, bytes] | None,
    client_ip: str,
) -> Result:
    harness, witness, _ = gateway
    records.records.clear()
    sent_before = len(harness.upstream.requests)
    lines = list(headers)
    payload = None
    if body is not None:
        lines.append(("content-type", body[0]))
        payload = body[1]
    result = loop.run_until_complete(
        harness.request(method, path, headers=lines, body=payload, client_ip=client_ip)
    )
    assert result.status < 500, (result.status, result.body[:300])
    failures = [r for r in records.records if r.levelno >= logging.ERROR or r.exc_info is not None]
    assert not failures, [r.getMessage() for r in failures]
    logged = [r for r in records.records if r.name == "sluicegate.security"]
    assert len(logged) == len(result.exchange.events)
    if (
        result.status in CORE_REFUSALS
        and result.json()["error"]["type"] in CORE_REFUSALS[result.status]
    ):
        # Refused by the core before routing (a non-canonical path, an encoded body): no
        # policy had to see it because nothing of it went anywhere.
        assert len(harness.upstream.requests) == sent_before
        return result
    assert result.exchange.request_id in witness.seen
    if len(harness.upstream.requests) > sent_before:
        assert result.exchange.events and result.exchange.events[0].type == "fuzz_seen"
    return result


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=paths,
    headers=header_lines,
    body=st.none() | bodies,
    client_ip=st.one_of(
        st.just("127.0.0.1"),
        st.ip_addresses().map(str),
        st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    ),
)
def test_random_requests_never_fail_lose_an_event_or_slip_past(
    loop: asyncio.AbstractEventLoop,
    gateway: tuple[Harness, Witness, Provider],
    records: Records,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: tuple[str, bytes] | None,
    client_ip: str,
) -> None:
    check(loop, gateway, records, method, path, headers, body, client_ip)


@FUZZ
@given(usage=usage_blocks)
def test_random_usage_blocks_never_fail_and_are_always_whole_numbers(
    loop: asyncio.AbstractEventLoop,
    metered: tuple[Harness, Witness, Provider],
    records: Records,
    usage: bytes,
) -> None:
    metered[2].usage = usage
    body = ("application/json", b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}')
    result = check(loop, metered, records, "POST", "/v1/chat/completions", [], body, "127.0.0.1")
    assert result.status == 200
    assert json.loads(result.body, parse_int=float)["choices"][0]["message"]["content"] == "ok"
    counted = result.exchange.usage
    for count in (counted.input_tokens, counted.output_tokens):
        assert type(count) is int and 0 <= count <= MAX_TOKENS
