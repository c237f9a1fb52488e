"""The plugin contract: phase order, the onion on short-circuits, PolicyError, mode and when."""

from __future__ import annotations

import pytest
from starlette.responses import JSONResponse, Response

from proxy.errors import PolicyError
from proxy.exchange import Exchange, Identity
from proxy.plugin import Plugin, PluginLoadError, PluginOptions, Registry, implemented_hooks
from proxy.testing import FakeReply, FakeUpstream, Harness


class Recorder(Plugin):
    """Appends '<label>:<hook>' to a shared journal in every hook."""

    name = "recorder"

    class Options(PluginOptions):
        label: str
        answer: int | None = None
        refuse: int | None = None

    journal: list[str] = []

    async def on_request(self, ex: Exchange) -> Response | None:
        self.journal.append(f"{self.options.label}:request")
        if self.options.refuse:
            raise PolicyError(self.options.refuse, "refused", "no")
        if self.options.answer:
            return JSONResponse({"from": self.options.label}, self.options.answer)
        return None

    async def on_response(self, ex: Exchange) -> None:
        self.journal.append(f"{self.options.label}:response")
        ex.response_headers[f"x-{self.options.label}"] = "1"

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        if end:
            self.journal.append(f"{self.options.label}:chunk-end")
        return chunk

    async def on_complete(self, ex: Exchange) -> None:
        self.journal.append(f"{self.options.label}:complete")


@pytest.fixture(autouse=True)
def clean_journal() -> None:
    Recorder.journal = []


def rec(label: str, **options: object) -> tuple[type[Plugin], dict[str, object]]:
    return (Recorder, {"label": label, **options})


async def test_request_phase_runs_in_order_and_the_rest_in_reverse() -> None:
    harness = Harness([rec("a"), rec("b"), rec("c")])
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == 200
    assert Recorder.journal == [
        "a:request",
        "b:request",
        "c:request",
        "c:response",
        "b:response",
        "a:response",
        "c:chunk-end",
        "b:chunk-end",
        "a:chunk-end",
        "c:complete",
        "b:complete",
        "a:complete",
    ]


async def test_a_short_circuit_passes_back_through_the_plugins_that_ran() -> None:
    upstream = FakeUpstream()
    harness = Harness([rec("a"), rec("b", answer=429), rec("c")], upstream)
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == 429
    assert result.json() == {"from": "b"}
    assert result.header("x-a") == "1" and result.header("x-b") == "1"
    assert result.header("x-c") is None
    assert "c:request" not in Recorder.journal
    assert Recorder.journal[-2:] == ["b:complete", "a:complete"]
    assert upstream.requests == []


async def test_policy_error_is_rendered_in_the_envelope_with_the_onion() -> None:
    harness = Harness([rec("a"), rec("b", refuse=403)])
    result = await harness.request("POST", json={"model": "m"})
    body = result.json()
    assert result.status == 403
    assert body["error"]["type"] == "refused"
    assert body["error"]["code"] == 403
    assert body["error"]["request_id"] == result.header("x-request-id")
    assert result.header("x-a") == "1"


async def test_monitor_mode_records_what_would_have_happened_and_goes_on() -> None:
    upstream = FakeUpstream()
    harness = Harness([rec("a", refuse=401, mode="monitor")], upstream)
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == 200
    assert len(upstream.requests) == 1
    [event] = result.exchange.events
    assert event.monitored and event.type == "refused" and event.detail["status"] == 401


@pytest.mark.parametrize(
    ("when", "path", "method", "headers", "runs"),
    [
        ({"path_prefix": "/v1/chat"}, "/v1/chat/completions", "POST", {}, True),
        ({"path_prefix": "/v1/chat"}, "/v1/embeddings", "POST", {}, False),
        ({"methods": ["get"]}, "/v1/models", "GET", {}, True),
        ({"methods": ["GET"]}, "/v1/chat/completions", "POST", {}, False),
        ({"header": {"x-beta": "1"}}, "/v1/x", "POST", {"X-Beta": "1"}, True),
        ({"header": {"x-beta": "1"}}, "/v1/x", "POST", {"X-Beta": "2"}, False),
        ({"header": {"x-beta": "*"}}, "/v1/x", "POST", {"X-Beta": "any"}, True),
    ],
)
async def test_when_skips_a_plugin_entirely_unless_it_matches(
    when: dict[str, object], path: str, method: str, headers: dict[str, str], runs: bool
) -> None:
    harness = Harness([rec("a", refuse=418, when=when)])
    result = await harness.request(
        method, path, headers=headers, json={"model": "m"} if method == "POST" else None
    )
    assert (result.status == 418) is runs
    assert ("a:complete" in Recorder.journal) is runs


class SetsIdentity(Plugin):
    name = "sets_identity"

    async def on_request(self, ex: Exchange) -> Response | None:
        ex.identity = Identity(subject="u1", claims={"role": ["admin", "dev"]})
        return None


async def test_a_claim_condition_sees_the_identity_set_by_an_earlier_plugin() -> None:
    admin_only = rec("a", refuse=418, when={"claim": {"role": "admin"}})
    ops_only = rec("b", refuse=419, when={"claim": {"role": "ops"}})
    harness = Harness([(SetsIdentity, {}), ops_only, admin_only])
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == 418
    assert "b:request" not in Recorder.journal


async def test_an_unknown_on_hook_is_a_load_error() -> None:
    class Typo(Plugin):
        async def on_reqest(self, ex: Exchange) -> None:  # the typo under test
            return None

    with pytest.raises(PluginLoadError, match="on_reqest"):
        implemented_hooks(Typo)


def test_only_overridden_hooks_are_recorded() -> None:
    assert implemented_hooks(SetsIdentity) == ("on_request",)
    assert implemented_hooks(Recorder) == ("on_request", "on_response", "on_chunk", "on_complete")


def test_registry_resolves_entry_points_and_dotted_paths() -> None:
    registry = Registry()
    assert registry.resolve("request_id").__name__ == "RequestId"
    assert registry.resolve("tests.proxy.test_chain:Recorder") is Recorder
    with pytest.raises(PluginLoadError, match="unknown plugin 'nope'"):
        registry.resolve("nope")
    with pytest.raises(PluginLoadError, match="not a sluicegate Plugin"):
        registry.resolve("tests.proxy.test_chain:rec")
    with pytest.raises(PluginLoadError, match="cannot import"):
        registry.resolve("no_such_module_x:Thing")


class ReadsBody(Plugin):
    name = "reads_body"
    needs_request_body = True

    async def on_request(self, ex: Exchange) -> Response | None:
        payload = await ex.json()
        payload["messages"] = [{"role": "user", "content": "[redacted]"}]
        ex.set_json(payload)
        return None


async def test_a_plugin_that_rewrites_the_body_changes_what_the_provider_receives() -> None:
    upstream = FakeUpstream()
    harness = Harness([(ReadsBody, {})], upstream)
    await harness.request(
        "POST", json={"model": "m", "messages": [{"role": "user", "content": "secret"}]}
    )
    assert upstream.requests[0].json()["messages"][0]["content"] == "[redacted]"


class Uppercase(Plugin):
    name = "uppercase"

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        return chunk.upper() + (b"!" if end else b"")


async def test_chunk_filters_rewrite_the_stream_and_drop_a_stale_content_length() -> None:
    reply = FakeReply(
        200, [(b"content-type", b"text/plain"), (b"content-length", b"4")], [b"ab", b"cd"]
    )
    harness = Harness([(Uppercase, {})], FakeUpstream(reply))
    result = await harness.request("GET", "/v1/models")
    assert result.body == b"ABCD!"
    assert result.header("content-length") is None


class Explodes(Plugin):
    name = "explodes"

    async def on_request(self, ex: Exchange) -> Response | None:
        raise RuntimeError("boom with a secret inside")

    async def on_complete(self, ex: Exchange) -> None:
        raise RuntimeError("complete hooks fail quietly")


async def test_an_unexpected_exception_is_a_500_envelope_without_a_traceback() -> None:
    harness = Harness([(Explodes, {})])
    result = await harness.request("POST", json={"model": "m"})
    assert result.status == 500
    assert result.json()["error"]["type"] == "internal_error"
    assert b"boom" not in result.body and b"Traceback" not in result.body


class RefusesMidStream(Plugin):
    name = "refuses_mid_stream"

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        if b"secret" in chunk:
            raise PolicyError(451, "unavailable", "no")
        return chunk


async def test_a_refusal_after_the_response_started_ends_it_without_a_second_head() -> None:
    reply = FakeReply(200, [(b"content-type", b"text/plain")], [b"fine ", b"secret"])
    harness = Harness([(RefusesMidStream, {})], FakeUpstream(reply))
    result = await harness.request("GET", "/v1/models")
    assert result.status == 200
    assert result.body == b"fine "
