"""Granian's receive wrapper ends a body where its Content-Length says (one read, not two),
and only there: a chunked body, an undeclared length or a short chunk wait for the server's
own last message. Whatever ends the body, its deadline is dropped (none left pending)."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.engines.body_deadline import BodyDeadlines, declared_length

Headers = list[tuple[bytes, bytes]]


def chunks(*parts: bytes) -> list[dict[str, Any]]:
    """What Granian hands over: each chunk with ``more_body``, then an empty last message."""
    messages = [{"type": "http.request", "body": part, "more_body": True} for part in parts]
    return [*messages, {"type": "http.request", "body": b"", "more_body": False}]


async def read(headers: Headers, messages: list[dict[str, Any]]) -> tuple[list[Any], Any]:
    """Read as the exchange does (until ``more_body`` is false); the messages it got, and
    what a later reader (the disconnect watcher) gets next."""
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("nothing is answered for a body read in time")

    deadlines = BodyDeadlines(30.0)
    body = deadlines.receive({"type": "http", "headers": headers}, receive, send)
    got = [await body()]
    while got[-1].get("more_body"):
        got.append(await body())
    assert not deadlines._pending  # the deadline went with the body's end
    return got, await body()


async def test_a_body_whole_at_its_declared_length_ends_on_the_first_read() -> None:
    got, later = await read([(b"content-length", b"5")], chunks(b"hello"))
    assert got == [{"type": "http.request", "body": b"hello", "more_body": False}]
    assert later == {"type": "http.request", "body": b"", "more_body": False}  # still queued


async def test_a_body_in_two_chunks_ends_with_the_chunk_that_completes_it() -> None:
    got, _ = await read([(b"content-length", b"10")], chunks(b"hello", b"world"))
    assert [m["body"] for m in got] == [b"hello", b"world"]
    assert [m["more_body"] for m in got] == [True, False]


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"transfer-encoding", b"chunked")],
        [(b"content-length", b"5"), (b"transfer-encoding", b"chunked")],
        [(b"content-length", b"9")],
        [(b"content-length", b"five")],
    ],
    ids=["no-length", "chunked", "length-and-chunked", "longer-than-sent", "bad-length"],
)
async def test_without_a_length_that_the_bytes_reach_the_servers_last_message_ends_it(
    headers: Headers,
) -> None:
    got, later = await read(headers, chunks(b"hello"))
    assert [m["more_body"] for m in got] == [True, False]
    assert later == {"type": "http.disconnect"}


def test_declared_length_reads_content_length_unless_transfer_encoding_overrides_it() -> None:
    assert declared_length([(b"host", b"x"), (b"content-length", b"42")]) == 42
    assert declared_length([(b"transfer-encoding", b"chunked"), (b"content-length", b"4")]) == -1
    assert declared_length([(b"content-length", b"")]) == -1
    assert declared_length([]) == -1


@pytest.mark.parametrize(
    "headers",
    [
        [(b"host", b"x"), (b"content-length", b"42"), (b"content-type", b"application/json")],
        [(b"content-length", b"4"), (b"transfer-encoding", b"chunked")],
        [(b"content-length", b"x4"), (b"transfer-encoding", b"chunked")],
        [(b"content-length", b" 7 ")],
        [(b"content-length", b"7"), (b"content-length", b"7")],
        [(b"content-length", b"x"), (b"content-length", b"7")],
        [(b"content-length", b"7"), (b"content-length", b"x")],
        [(b"accept", b"a"), (b"accept", b"b"), (b"content-length", b"9")],
        [(b"host", b"x")],
    ],
)
def test_declared_length_is_the_one_pass_rule_with_or_without_repeated_names(
    headers: list[tuple[bytes, bytes]],
) -> None:
    """The lookup in a dict (no name repeated) answers what the pass over every field does."""
    length = -1
    for name, value in headers:  # the rule, spelled out
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = -1
                break
        elif name == b"transfer-encoding":
            length = -1
            break
    assert declared_length(headers) == length


async def test_a_body_the_server_could_not_read_is_answered_400_and_reported_as_gone() -> None:
    """Granian hands a malformed chunked body to the app as ``http.disconnect``; answered
    nothing, Granian itself sent 500."""
    queue: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"hel", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    deadlines = BodyDeadlines(30.0)
    body = deadlines.receive({"type": "http", "headers": []}, receive, send)
    assert (await body())["more_body"]
    assert not sent
    assert await body() == {"type": "http.disconnect"}
    assert sent[0]["status"] == 400
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert not deadlines._pending
