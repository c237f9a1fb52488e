"""The request body of an exchange: read at most once, parsed at most once, lazily.

A route whose plugins never ask for the body streams it straight to the provider; one that
does reads it whole (bounded by ``max_body``) and every later reader gets the same bytes.
The JSON is parsed once with orjson and serialised again only when something replaced it
(``set_json``: a model mapping, a redaction, ``include_usage``). ``Exchange`` is built on
this class; plugins call these methods on the exchange.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.errors import GatewayError, PolicyError
from proxy.jsonbytes import dumps_kept

Receive = Any


class BodyTooLarge(PolicyError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "payload_too_large", f"request body exceeds {limit} bytes")


class ClientDisconnected(Exception):
    """The client went away; nothing more can be sent to it."""


class RequestBody:
    """The body half of an exchange: ``receive`` and what was read from it."""

    __slots__ = (
        "_body",
        "_body_consumed",
        "_body_stream",
        "_json",
        "_json_dirty",
        "body_complete",
        "body_error",
        "declared_length",
        "max_body",
        "receive",
    )

    def __init__(self, receive: Receive, max_body: int) -> None:
        self.receive = receive
        self.max_body = max_body
        self._body: bytes | None = None
        self._body_consumed = False
        self.body_complete = False
        # A policy's refusal raised while the body streamed upstream (proxy.body).
        self.body_error: GatewayError | None = None
        self._body_stream: AsyncIterator[bytes] | None = None
        self._json: Any = None
        self._json_dirty = False
        # The Content-Length the head declared (-1: none, or a Transfer-Encoding that
        # overrides it); set by ``Exchange`` from its one pass over the headers.
        self.declared_length = -1

    @property
    def parsed_json(self) -> Any:
        """The body's JSON if it was already parsed (never reads or parses)."""
        return self._json

    async def body(self) -> bytes:
        """The whole request body, read once (bounded by ``max_body``) and cached."""
        if self._json_dirty:
            self._body = dumps_kept(self._json)
            self._json_dirty = False
        if self._body is None:
            if self._body_stream is None and not self._body_consumed:
                self._body = await self._read_body()
            else:
                self._body = await self._collect(self.body_stream())
            self._body_stream = None
            self.body_complete = True
        return self._body

    async def _read_body(self) -> bytes:
        """The client's body straight from ``receive``: no generator in between, since
        nearly every request body arrives whole in its first message.

        It ends where the declared Content-Length says, without waiting for the empty last
        message the server sends after the data (Hypercorn queues it separately; under
        Granian it is a second future resolved from a Rust thread, which
        ``proxy.engines.body_deadline`` spares already): the server has framed the body by
        its length, so nothing more can follow. The empty message stays queued for
        whoever reads next (the disconnect watcher skips it)."""
        self._body_consumed = True
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(self.max_body)
            if not message.get("more_body", False) or size == self.declared_length:
                if not chunks:
                    return bytes(chunk)
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)

    async def _collect(self, stream: AsyncIterator[bytes]) -> bytes:
        chunks = []
        size = 0
        async for chunk in stream:
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(self.max_body)
            chunks.append(chunk)
        return b"".join(chunks)

    async def json(self) -> Any:
        """The body parsed as JSON (once); a 400 envelope when it is not JSON."""
        if self._json is None:
            raw = self._body
            if (
                raw is None
                and self._body_stream is None
                and not (self._json_dirty or self._body_consumed)
            ):
                # The common first read, straight from ``receive``: what ``body`` would do,
                # one coroutine fewer per JSON request.
                raw = self._body = await self._read_body()
                self.body_complete = True
            elif raw is None or self._json_dirty:
                raw = await self.body()
            try:
                self._json = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                raise PolicyError(
                    400, "invalid_request", "request body is not valid JSON"
                ) from None
        return self._json

    def set_json(self, value: Any) -> None:
        """Replace the body with ``value``; it is serialised once, when it is next needed."""
        self._json = value
        self._json_dirty = True

    def set_body(self, body: bytes) -> None:
        """Replace the raw body (the parsed JSON, if any, is dropped)."""
        self._body = body
        self._json = None
        self._json_dirty = False
        self._body_stream = None

    def set_body_stream(self, stream: AsyncIterator[bytes]) -> None:
        """Replace the body with a stream, e.g. a scanned upload replayed from its spool."""
        self._body = None
        self._json = None
        self._json_dirty = False
        self._body_stream = stream

    @property
    def body_loaded(self) -> bool:
        return self._body is not None or self._json_dirty

    def body_stream(self) -> AsyncIterator[bytes]:
        """The body as chunks: the cached bytes, a replacement stream, or the client's stream."""
        if self._json_dirty:
            return _once(dumps_kept(self._json))
        if self._body is not None:
            return _once(self._body)
        if self._body_stream is not None:
            stream, self._body_stream = self._body_stream, None
            return stream
        if self._body_consumed:
            raise RuntimeError("the request body stream was already consumed")
        self._body_consumed = True
        return self._receive_body()

    @property
    def receive_idle(self) -> bool:
        """True when nothing else will read ``receive``: a disconnect watcher may take it."""
        return self.body_complete or not self._body_consumed

    async def _receive_body(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                self.body_complete = True
                return


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
