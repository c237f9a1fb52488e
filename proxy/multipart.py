"""The form fields the gateway reads and rewrites in a multipart upload: ``model``, and the
text fields ``input_scan`` scans (``prompt``...).

Audio transcription and translation requests are ``multipart/form-data`` (RFC 7578): the
model alias is a form field beside the file. Routing, the model allowlist and model mapping
need that field; ``input_scan`` reads the text fields beside the file (an image edit's
``prompt``). This scans part headers by offset and never copies or parses a file part (a 25 MB
upload is searched, not split). Replacing values splices the body once around their bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_NAME = re.compile(rb'content-disposition:[^\r\n]*?\bname="([^"]*)"', re.IGNORECASE)
_FILENAME = re.compile(rb"\bfilename\*?=", re.IGNORECASE)
_HEAD_CAP = 4096  # longer part headers than this are not looked at


def boundary_of(content_type: str) -> bytes | None:
    """The boundary parameter of a ``multipart/form-data`` Content-Type, None otherwise."""
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary" and value:
            value = value.strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            return value.encode("latin-1") if 0 < len(value) <= 70 else None
    return None


def _parts(body: bytes, boundary: bytes) -> Iterator[tuple[bytes, bool, int, int]]:
    """``(name, is_file, value_start, value_end)`` of each part, in body order; stops at the
    closing delimiter or at the first malformed part."""
    delimiter = b"--" + boundary
    position = body.find(delimiter)
    while position >= 0:
        head_start = position + len(delimiter)
        if body[head_start : head_start + 2] == b"--":
            return  # the closing delimiter
        head_end = body.find(b"\r\n\r\n", head_start, head_start + _HEAD_CAP)
        if head_end < 0:
            return
        head = body[head_start:head_end]
        following = body.find(b"\r\n" + delimiter, head_end + 4)
        if following < 0:
            return
        match = _NAME.search(head)
        if match is not None:
            yield match.group(1), _FILENAME.search(head) is not None, head_end + 4, following
        position = following + 2


def _field_span(body: bytes, boundary: bytes, name: bytes) -> tuple[int, int] | None:
    """Where the value of the (non-file) field ``name`` starts and ends in the body."""
    for part, is_file, start, end in _parts(body, boundary):
        if part == name and not is_file:
            return start, end
    return None


def text_fields(body: bytes, boundary: bytes) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` of every non-file field (the prompt of an image edit, the
    prompt and language of a transcription), in body order; names are read as UTF-8."""
    return [
        (name.decode("utf-8", "replace"), start, end)
        for name, is_file, start, end in _parts(body, boundary)
        if not is_file
    ]


def replace_spans(body: bytes, edits: Sequence[tuple[int, int, bytes]]) -> bytes:
    """The body with each ``(start, end)`` value replaced; spans must not overlap."""
    out: list[bytes] = []
    cursor = 0
    for start, end, value in sorted(edits):
        out += [body[cursor:start], value]
        cursor = end
    out.append(body[cursor:])
    return b"".join(out)


def form_field(body: bytes, boundary: bytes, name: bytes) -> str | None:
    """The text value of field ``name``, None when absent or not UTF-8."""
    span = _field_span(body, boundary, name)
    if span is None:
        return None
    try:
        return body[span[0] : span[1]].decode("utf-8")
    except UnicodeDecodeError:
        return None


def replace_field(body: bytes, boundary: bytes, name: bytes, value: bytes) -> bytes:
    """The body with field ``name``'s value replaced (unchanged when the field is absent)."""
    span = _field_span(body, boundary, name)
    if span is None:
        return body
    return body[: span[0]] + value + body[span[1] :]
