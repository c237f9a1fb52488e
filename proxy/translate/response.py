"""A provider's response, seen through a translator: the rest of the gateway reads the
client's API only (the usage meter, the stream-error peek, body filters, the cache).

Errors and JSON bodies are read whole (bounded) and translated once; a stream is translated
event by event as it arrives, so a translated stream is still a stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from proxy.translate.base import Call, StreamTranslator, Translator
from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamError, UpstreamResponse
from proxy.upstream.lease import is_event_stream

_BODY_CAP = 32 * 1024 * 1024
_DROP = frozenset({b"content-length", b"content-type", b"content-encoding"})


class TranslatedResponse(BasicResponse):
    __slots__ = ("_call", "_done", "_response", "_stream", "_translator", "headers", "status")

    def __init__(self, response: UpstreamResponse, translator: Translator, call: Call) -> None:
        self._response = response
        self._translator = translator
        self._call = call
        self._done = False
        self.status = response.status
        streaming = response.status < 400 and is_event_stream(response.headers)
        self._stream: StreamTranslator | None = translator.stream(call) if streaming else None
        media = b"text/event-stream" if streaming else b"application/json"
        self.headers: RawHeaders = [
            (k, v) for k, v in response.headers if k.lower() not in _DROP
        ] + [(b"content-type", media)]

    async def chunks(self) -> AsyncIterator[bytes]:
        stream = self._stream
        if stream is not None:
            async for chunk in self._response.chunks():
                out = stream.feed(chunk)
                if out:
                    yield out
            last = stream.end()
            if last:
                yield last
            return
        parts = []
        size = 0
        async for chunk in self._response.chunks():
            size += len(chunk)
            if size > _BODY_CAP:
                raise UpstreamError("the provider's answer is too large to translate")
            parts.append(chunk)
        body = b"".join(parts)
        self._done = True  # one translated chunk is the whole body
        if self.status >= 400:
            yield self._translator.error(self.status, body)
        else:
            yield self._translator.response(body, self._call)

    def body_done(self) -> bool:
        return self._done

    async def aclose(self) -> None:
        await self._response.aclose()
