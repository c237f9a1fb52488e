"""What input_scan reads from a request: the texts and where each one is (a JSON path such as
``messages[2].content``, a form field's name, ``query``, ``header.<name>``).

The body is the core's: ``Exchange.json()`` parses it once and the forwarding path reuses that
parse, so reading it here costs the request nothing extra. What this module adds per request
is the walk over the parsed body (``scanners.text.extract``), restricted at load to the
fields the operator chose, so no path is filtered afterwards, and the body's media type is
read once (a JSON body never looks for a multipart boundary). On the benchmark chat body the
plugin's whole work outside its scanners is ~9-13 µs of CPU per request, 24-25 before
(``python -m benchmarks.scan_in_chain``;
``benchmarks/results/2026-12-06-214356-scan_in_chain-plugin-split.txt``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from proxy.errors import PolicyError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.multipart import boundary_of, replace_spans, text_fields
from scanners.text.extract import TextAt

MULTIPART_FORM = "multipart/form-data"


@dataclass(frozen=True, slots=True)
class Edit:
    """A redacted text to write back at ``path``."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Form:
    """A multipart body and the text fields to scan: ``(path, start, end)``, where the path is
    the field's name (``prompt``), then ``prompt#2``... for a name sent again."""

    body: bytes
    fields: list[tuple[str, int, int]]

    @classmethod
    def of(cls, body: bytes, spans: Sequence[tuple[str, int, int]]) -> Form:
        seen: dict[str, int] = {}
        fields = []
        for name, start, end in spans:
            seen[name] = seen.get(name, 0) + 1
            fields.append((name if seen[name] == 1 else f"{name}#{seen[name]}", start, end))
        return cls(body, fields)

    def texts(self) -> list[TextAt]:
        return [(path, self.body[start:end].decode("utf-8", "replace"))
                for path, start, end in self.fields]  # fmt: skip

    def rewritten(self, edits: Sequence[Edit]) -> bytes:
        """The body with each edited field's value replaced, every other byte as it was."""
        texts = {edit.path: edit.text for edit in edits}
        splices = [(start, end, texts[path].encode("utf-8"))
                   for path, start, end in self.fields if path in texts]  # fmt: skip
        return replace_spans(self.body, splices)


async def read_form(ex: Exchange, fields: frozenset[str]) -> Form | None:
    """The text fields of a ``multipart/form-data`` body that ``fields`` names (an image
    edit's ``prompt``, a transcription's ``prompt``), read beside the file parts, which are
    never parsed. The body is read whole, bounded by the gateway's ``max_body``."""
    if ex.method not in BODY_METHODS or not ex.has_body:
        return None
    boundary = boundary_of(ex.media_type_header)
    if boundary is None:
        return None
    body = await ex.body()
    return Form.of(body, [f for f in text_fields(body, boundary) if f[0] in fields])


def read_payload(ex: Exchange, refuse_other: bool) -> Awaitable[Any] | None:
    """The body as the provider will read it (not multipart: the caller checked), to await;
    None when there is no body. Whether it is JSON is decided by parsing, not by the
    client's Content-Type: the same chat body sent as ``text/plain`` or with no type at all
    is read by the provider all the same (issue 17, M5). A body that does not parse is
    refused when ``refuse_other`` (a 400 envelope), else None. (Not a coroutine itself: the
    usual JSON body is the core's own ``json()``, awaited by the caller with no frame in
    between.)"""
    if not ex.body_loaded and not (ex.method in BODY_METHODS and ex.has_body):
        return None
    if refuse_other or ex.is_json:
        return ex.json()  # a 400 envelope when it does not parse
    return _json_or_none(ex)


async def _json_or_none(ex: Exchange) -> Any:
    try:
        return await ex.json()
    except PolicyError:
        return None


def query_and_headers(ex: Exchange, query: bool, headers: Sequence[str]) -> list[TextAt]:
    """The decoded query string (when ``query``) and the named headers' values."""
    found: list[TextAt] = []
    if query and ex.query_string:
        found.append(("query", unquote_plus(ex.query_string.decode("latin-1"))))
    for name in headers:
        value = ex.request_headers.get(name)
        if value:
            found.append((f"header.{name}", value))
    return found
