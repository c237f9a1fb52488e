"""The one form field the gateway reads and rewrites in a multipart upload: ``model``.

Audio transcription and translation requests are ``multipart/form-data`` (RFC 7578): the
model alias is a form field beside the file. Routing, the model allowlist and model mapping
need that field, and only that field, so this scans part headers by offset and never copies
or parses the file part (a 25 MB upload is searched, not split). Replacing the value splices
the body once around the field's bytes.
"""

from __future__ import annotations

import re

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


def _field_span(body: bytes, boundary: bytes, name: bytes) -> tuple[int, int] | None:
    """Where the value of the (non-file) field ``name`` starts and ends in the body."""
    delimiter = b"--" + boundary
    position = body.find(delimiter)
    while position >= 0:
        head_start = position + len(delimiter)
        if body[head_start : head_start + 2] == b"--":
            return None  # the closing delimiter
        head_end = body.find(b"\r\n\r\n", head_start, head_start + _HEAD_CAP)
        if head_end < 0:
            return None
        head = body[head_start:head_end]
        following = body.find(b"\r\n" + delimiter, head_end + 4)
        if following < 0:
            return None
        match = _NAME.search(head)
        if match is not None and match.group(1) == name and not _FILENAME.search(head):
            return head_end + 4, following
        position = following + 2
    return None


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
