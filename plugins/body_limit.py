"""body_limit: refuse oversized, over-complex or unexpected request bodies before they cost much.

Three gates, cheapest first:

1. ``Content-Length`` above ``max_body`` -> 413 before a byte of the body is read.
2. A body whose media type is not on ``allow_content_types`` -> 415.
3. A body without ``Content-Length`` (chunked) is counted as it is read: the Exchange's
   ``max_body`` is lowered and the body stream is wrapped, so reading stops and answers 413
   at the first chunk past the limit. Such a body is read here, before the upstream call,
   so the refusal is a clean 413 and never a request broken mid-send; it holds at most
   ``max_body`` in memory. (A ``Content-Length`` body was already judged by its header, and
   the server enforces that framing.)

For JSON bodies, ``max_json_depth`` and ``max_json_members`` bound what a parser or a later
plugin's walk can be made to do. The check is bounded: a C-speed count of brackets and commas
proves most bodies fine without any walk; only a body that *could* exceed a limit is walked,
iteratively, over the already-parsed document (parsed once, shared with the core), and the
walk stops at the first limit crossed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import Field, field_validator
from starlette.responses import Response

from proxy.config.types import ByteSize
from proxy.errors import PolicyError
from proxy.exchange import BODY_METHODS, BodyTooLarge, Exchange
from proxy.plugin import Plugin, PluginOptions, Services


class BodyLimit(Plugin):
    name = "body_limit"

    class Options(PluginOptions):
        max_body: ByteSize = Field(
            1024 * 1024, description='Largest request body, e.g. "1MiB" (default 1 MiB).'
        )
        max_json_depth: int = Field(
            32, ge=1, le=512, description="Deepest nesting of arrays/objects in a JSON body."
        )
        max_json_members: int = Field(
            10_000,
            ge=1,
            description="Most array elements plus object members in a JSON body, in total.",
        )
        allow_content_types: list[str] = Field(
            default_factory=lambda: ["application/json", "multipart/form-data"],
            min_length=1,
            description='Media types a body may have: exact, "type/*", or ["*/*"] for any.',
        )

        @field_validator("allow_content_types")
        @classmethod
        def _media_types(cls, value: list[str]) -> list[str]:
            if "*/*" in value:
                if len(value) > 1:
                    raise ValueError('"*/*" allows every media type; list it alone')
                return value
            for entry in value:
                kind, _, sub = entry.partition("/")
                if not kind or not sub or ";" in entry or " " in entry or kind == "*":
                    raise ValueError(f"{entry!r} is not a media type such as application/json")
            return value

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._limit = int(options.max_body)
        types = options.allow_content_types
        self._any_type = types == ["*/*"]
        self._exact = frozenset(t.lower() for t in types if not t.endswith("/*"))
        self._prefixes = tuple(t[:-1].lower() for t in types if t.endswith("/*"))

    async def on_request(self, ex: Exchange) -> Response | None:
        length = _content_length(ex)
        if length is not None and length > self._limit:
            ex.record_event("body_too_large", self.name, "content-length over limit",
                            length=length, limit=self._limit)  # fmt: skip
            raise BodyTooLarge(self._limit)
        has_body = (length or 0) > 0 or (
            length is None and "transfer-encoding" in ex.request_headers
        )
        if not has_body and ex.method not in BODY_METHODS:
            return None
        media = (ex.request_headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if has_body and not self._any_type and not self._type_allowed(media):
            ex.record_event("content_type_refused", self.name, "media type not allowed")
            raise PolicyError(415, "unsupported_media_type", "unsupported content type")
        ex.max_body = min(ex.max_body, self._limit)
        if ex.body_loaded:
            body = await ex.body()
            if len(body) > self._limit:
                raise BodyTooLarge(self._limit)
        elif has_body:
            ex.set_body_stream(_limited(ex.body_stream(), self._limit))
            if length is None and not ex.is_json:
                await self._buffer_unsized(ex)
        if has_body and ex.is_json:
            await self._check_json(ex)
        return None

    @staticmethod
    async def _buffer_unsized(ex: Exchange) -> None:
        """Read a body of unknown size (chunked) now, so crossing the limit is a clean 413.

        Otherwise the limit could first trip while the upstream client is already sending,
        where it can only end as a broken request (502). The memory held is at most
        ``max_body``. It is handed on as a stream: a loaded body is taken for JSON by the core.
        """
        chunks = [chunk async for chunk in ex.body_stream()]
        ex.set_body_stream(_replay(chunks))

    def _type_allowed(self, media: str) -> bool:
        return media in self._exact or (bool(media) and media.startswith(self._prefixes))

    async def _check_json(self, ex: Exchange) -> None:
        raw = await ex.body()
        containers = raw.count(b"[") + raw.count(b"{")
        o = self.options
        if containers <= o.max_json_depth and raw.count(b",") + containers < o.max_json_members:
            return  # cannot exceed either limit: no walk needed
        try:
            document = await ex.json()
        except PolicyError:
            if containers > o.max_json_depth:
                # orjson stops at 1024 levels: unparseable *and* possibly too deep
                self._too_complex(ex, "depth")
            raise
        problem = json_complexity(document, o.max_json_depth, o.max_json_members)
        if problem is not None:
            self._too_complex(ex, problem)

    def _too_complex(self, ex: Exchange, problem: str) -> None:
        o = self.options
        limit = o.max_json_depth if problem == "depth" else o.max_json_members
        ex.record_event("json_too_complex", self.name, f"json {problem} over limit", limit=limit)
        raise PolicyError(
            413, "json_too_complex", f"JSON body exceeds the {problem} limit of {limit}"
        )

    def describe(self) -> dict[str, Any]:
        o = self.options
        return {
            "max_body": self._limit,
            "max_json_depth": o.max_json_depth,
            "max_json_members": o.max_json_members,
            "allow_content_types": o.allow_content_types,
        }


def json_complexity(document: Any, max_depth: int, max_members: int) -> str | None:
    """``"depth"`` or ``"members"`` when ``document`` exceeds a limit, else None.

    Iterative (no recursion limit to hit) and stops at the first limit crossed, so the
    cost is bounded by ``max_members`` whatever the document's size.
    """
    members = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return "depth"
        members += len(children)
        if members > max_members:
            return "members"
        stack.extend((child, depth + 1) for child in children)
    return None


async def _replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _content_length(ex: Exchange) -> int | None:
    value = ex.request_headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 18:
        raise PolicyError(400, "invalid_request", "invalid Content-Length")
    return int(value)


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """Pass chunks through and raise 413 as soon as their total passes ``limit``."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge(limit)
        yield chunk
