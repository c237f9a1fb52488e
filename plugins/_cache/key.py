"""What makes two AI requests "the same": the normalised body, the path and the caller's scope.

The key is a SHA-256 over canonical JSON (sorted keys, no whitespace), so two requests that
differ only in key order or spacing share an entry, while any parameter that can change the
output — model alias, messages, tools, temperature, seed, ``stream``... — separates them.
By default every body field counts except those listed as not changing the output (``user``);
an operator may instead name the fields that count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

# Endpoints whose output depends only on the input: no sampling temperature involved.
DETERMINISTIC_SUFFIXES = ("/embeddings", "/moderations")


def request_key(
    scope: str,
    path: str,
    body: Mapping[str, Any],
    fields: frozenset[str] | None,
    ignored: frozenset[str],
) -> str:
    """The hex key of one AI request: scope, path and the fields of the body that count."""
    if fields is not None:
        kept = {k: v for k, v in body.items() if k in fields}
    else:
        kept = {k: v for k, v in body.items() if k not in ignored}
    canonical = orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256()
    digest.update(scope.encode())
    digest.update(b"\x00")
    digest.update(path.encode())
    digest.update(b"\x00")
    digest.update(canonical)
    return digest.hexdigest()


def get_key(scope: str, path: str, query: bytes, vary: Mapping[str, str] | None = None) -> str:
    """The hex key of a GET: scope, path, query, and the request headers the response varies on.

    ``vary`` maps lower-case header names to the request's values (absent headers map to "").
    """
    digest = hashlib.sha256()
    for part in (scope, "GET", path):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(query)
    for name in sorted(vary or {}):
        digest.update(b"\x00")
        digest.update(name.encode())
        digest.update(b"=")
        digest.update((vary or {})[name].encode())
    return digest.hexdigest()


def is_deterministic(path: str, body: Mapping[str, Any]) -> bool:
    """True for requests a provider answers the same way every time (as far as it can).

    Embeddings and moderations always are; a completion is when ``temperature`` is exactly 0
    (OpenAI's default is 1, so a missing temperature means sampling).
    """
    if path.endswith(DETERMINISTIC_SUFFIXES):
        return True
    temperature = body.get("temperature")
    return (
        isinstance(temperature, int | float)
        and not isinstance(temperature, bool)
        and temperature == 0
    )
