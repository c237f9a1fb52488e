"""The request body read and the response pump: the paths every request takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxy.body import pump
from proxy.exchange import BodyTooLarge, ClientDisconnected, Exchange
from proxy.usage import UsageMeter


def _exchange(
    messages: list[dict[str, Any]],
    max_body: int = 1024,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> Exchange:
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions"}
    scope["headers"] = headers or []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return Exchange(scope, receive, max_body=max_body)


def _part(body: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_a_body_in_several_messages_is_joined_in_order() -> None:
    ex = _exchange([_part(b'{"a":', True), _part(b"", True), _part(b"1}", False)])
    assert await ex.body() == b'{"a":1}'
    assert await ex.json() == {"a": 1}
    assert ex.body_complete and ex.receive_idle


@pytest.mark.parametrize("read", ["body", "json"])
async def test_a_body_ends_where_its_content_length_says(read: str) -> None:
    """The server's empty last message is not waited for (it stays queued, unread), once
    the bytes reach the declared length; a chunked body (a Transfer-Encoding overrides any
    length) and a body without a length still end with the server's last message."""
    end = _part(b"", False)
    sized = [(b"content-length", b"7")]
    ex = _exchange([_part(b'{"a":', True), _part(b"1}", True), end], headers=sized)
    assert (await ex.body() if read == "body" else await ex.json()) in (b'{"a":1}', {"a": 1})
    assert ex.body_complete and ex.receive_idle
    assert await ex.receive() is end  # left for the disconnect watcher, which skips it
    chunked = [(b"transfer-encoding", b"chunked"), (b"content-length", b"7")]
    for headers in (chunked, [(b"content-length", b"7"), (b"transfer-encoding", b"chunked")], []):
        ex = _exchange([_part(b'{"a":1}', True), end], headers=headers)
        assert await ex.body() == b'{"a":1}'
        with pytest.raises(IndexError):  # the last message was read
            await ex.receive()
    empty = _exchange([_part(b"", True), end], headers=[(b"content-length", b"0")])
    assert await empty.body() == b"" and await empty.receive() is end


async def test_a_body_over_the_limit_is_refused_while_it_arrives() -> None:
    ex = _exchange([_part(b"x" * 600, True), _part(b"x" * 600, False)], max_body=1000)
    with pytest.raises(BodyTooLarge):
        await ex.body()


async def test_a_client_that_leaves_mid_body_is_a_disconnect() -> None:
    ex = _exchange([_part(b"partial", True), {"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnected):
        await ex.body()


async def test_a_body_already_streamed_cannot_be_read_again() -> None:
    ex = _exchange([_part(b"abc", False)])
    assert [chunk async for chunk in ex.body_stream()] == [b"abc"]
    with pytest.raises(RuntimeError, match="already consumed"):
        await ex.body()


class _Chunks:
    """A provider body in chunks that knows when it handed out the last one."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = list(chunks)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if not self._chunks:
            raise StopAsyncIteration
        return self._chunks.pop(0)

    def body_done(self) -> bool:
        return not self._chunks


async def _pumped(chunks: _Chunks, **kwargs: Any) -> list[tuple[bytes, bool]]:
    sent: list[tuple[bytes, bool]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append((message["body"], message["more_body"]))

    ex = _exchange([])
    await pump(ex, chunks, kwargs.pop("filters", []), send, body_done=chunks.body_done, **kwargs)
    return sent


async def test_the_chunk_that_completes_the_body_ends_the_response() -> None:
    assert await _pumped(_Chunks([b"ab", b"cd"])) == [(b"ab", True), (b"cd", False)]


async def test_a_filter_still_gets_its_end_call_after_the_last_chunk() -> None:
    calls: list[tuple[bytes, bool]] = []

    async def upper(ex: Exchange, chunk: bytes, end: bool) -> bytes:
        calls.append((chunk, end))
        return chunk.upper() + (b"!" if end else b"")

    sent = await _pumped(_Chunks([b"ab", b"cd"]), filters=[upper])
    assert calls == [(b"ab", False), (b"cd", False), (b"", True)]
    assert sent == [(b"AB", True), (b"CD", True), (b"!", False)]


async def test_a_stripping_usage_meter_gets_to_flush_what_it_held_back() -> None:
    ex = _exchange([])
    meter = UsageMeter(ex, streaming=True, strip_usage_event=True)
    sent = await _pumped(_Chunks([b"data: {}\n\n", b"data: [DONE]"]), meter=meter)
    assert sent[-1] == (b"data: [DONE]", False)  # the unterminated tail, flushed at the end
    assert [more for _, more in sent].count(False) == 1


async def test_every_response_names_its_request_once() -> None:
    """The provider's and the plugins' headers pass as they are; the exchange's id is added
    only when no header of that name is there (a provider's own ``x-request-id`` is kept);
    names are matched as starlette stores them, lower-case bytes, as its lookup did."""
    from proxy.body import ensure_request_id
    from proxy.headers import Headers

    for present, expected in (
        ([], [b"gw-id"]),
        ([(b"x-request-id", b"provider-id")], [b"provider-id"]),
        ([(b"X-Request-ID", b"raw-cased")], [b"gw-id"]),
    ):
        ex = _exchange([])
        ex.request_id = "gw-id"
        ex.response_headers = Headers(raw=[(b"content-type", b"application/json"), *present])
        ensure_request_id(ex)
        raw = ex.response_headers.raw
        assert raw[: 1 + len(present)] == [(b"content-type", b"application/json"), *present]
        assert [v for k, v in raw if k == b"x-request-id"] == expected
