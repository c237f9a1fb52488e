"""request_id: which id an exchange carries, what the provider is sent, what the client gets.

Every case looks at all three: ``ex.request_id`` (the access line's), the header the provider
received, and the response header, which must each hold exactly one id.
"""

from __future__ import annotations

from typing import Any

import pytest

from plugins.request_id import RequestId
from proxy.testing import FakeReply, FakeUpstream, Harness, Result

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}
PROVIDER_REPLY = FakeReply(
    200,
    [(b"content-type", b"application/json"), (b"x-request-id", b"provider-own-id")],
    [b'{"ok": true}'],
)


def harness(**options: Any) -> Harness:
    return Harness([(RequestId, options)], upstream=FakeUpstream(PROVIDER_REPLY))


async def call(h: Harness, *headers: tuple[str, str]) -> Result:
    result = await h.request("POST", headers=list(headers), json=CHAT)
    assert result.status == 200
    return result


def sent(result: Result, name: str = "x-request-id") -> list[str]:
    """Every value of ``name`` the chain left on the provider request."""
    return result.exchange.request_headers.getlist(name)


def answered(result: Result, name: str = "x-request-id") -> list[str]:
    return [v for k, v in result.headers if k == name]


async def test_without_an_incoming_id_the_gateway_s_own_goes_both_ways() -> None:
    h = harness()
    first, second = await call(h), await call(h)
    for result in (first, second):
        own = result.exchange.request_id
        assert own and own != "provider-own-id"
        assert sent(result) == [own]
        assert h.upstream.requests[-1 if result is second else 0].headers["x-request-id"] == own
        assert answered(result) == [own]  # the provider's own id never reaches the client
    assert first.exchange.request_id != second.exchange.request_id
    await h.close()


async def test_a_well_formed_incoming_id_is_kept_end_to_end() -> None:
    h = harness()
    result = await call(h, ("X-Request-ID", "client-7f3a:retry/2"))
    assert result.exchange.request_id == "client-7f3a:retry/2"
    assert sent(result) == ["client-7f3a:retry/2"]
    assert answered(result) == ["client-7f3a:retry/2"]
    await h.close()


@pytest.mark.parametrize(
    "incoming",
    ["bad id with spaces", "x" * 129, "id\u00e9", "", "<script>"],
    ids=["spaces", "too-long", "non-ascii", "empty", "markup"],
)
async def test_an_unsafe_incoming_id_is_replaced_not_forwarded(incoming: str) -> None:
    h = harness()
    result = await h.request(
        "POST", headers=[("x-request-id", incoming.encode("utf-8").decode("latin-1"))], json=CHAT
    )
    own = result.exchange.request_id
    assert own != incoming
    assert sent(result) == [own]
    assert answered(result) == [own]
    await h.close()


async def test_repeated_incoming_ids_leave_one() -> None:
    h = harness()
    result = await call(h, ("x-request-id", "first-id"), ("X-Request-ID", "second-id"))
    assert result.exchange.request_id == "first-id"
    assert sent(result) == ["first-id"]
    assert answered(result) == ["first-id"]
    await h.close()


async def test_untrusted_incoming_ids_are_overwritten() -> None:
    h = harness(trust_incoming=False)
    result = await call(h, ("x-request-id", "client-id"))
    own = result.exchange.request_id
    assert own != "client-id"
    assert sent(result) == [own]
    assert answered(result) == [own]
    await h.close()


async def test_forward_false_sends_no_id_upstream() -> None:
    h = harness(forward=False)
    for headers in [(), (("x-request-id", "client-id"),)]:
        result = await call(h, *headers)
        assert sent(result) == []
        assert "x-request-id" not in {k.lower() for k in h.upstream.requests[-1].headers}
        assert answered(result) == [result.exchange.request_id]
    await h.close()


async def test_a_custom_header_name_is_used_both_ways() -> None:
    h = harness(header="X-Correlation-ID")
    result = await call(h, ("x-correlation-id", "corr-1"))
    assert result.exchange.request_id == "corr-1"
    assert sent(result, "x-correlation-id") == ["corr-1"]
    assert answered(result, "x-correlation-id") == ["corr-1"]
    await h.close()
