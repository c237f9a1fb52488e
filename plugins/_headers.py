"""Setting several response headers at once, in one pass over the header list.

Why: starlette's ``MutableHeaders.__setitem__`` and ``in`` each walk the whole list, in
Python, per header: ``security_headers`` (nine set, ten stripped) and ``rate_limit`` (five
set) did ~20 such walks over ~15 headers per response, about 1.9 % of the full chain's CPU
under load (benchmarks/results/, py-spy). Here the names to drop are a frozenset of the
lower-case byte names starlette keeps, and the new pairs are encoded once where they can be.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from starlette.datastructures import MutableHeaders

Pairs = tuple[tuple[bytes, bytes], ...]
_name = itemgetter(0)


def encode_pairs(headers: Iterable[tuple[str, str]]) -> Pairs:
    """Header (name, value) pairs as starlette stores them: lower-case name, latin-1."""
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


def replace_headers(
    headers: MutableHeaders, drop: frozenset[bytes], add: Iterable[tuple[bytes, bytes]]
) -> None:
    """Remove every header named in ``drop``, then append ``add`` (whose names must be in
    ``drop``, so each ends up exactly once): ``headers[name] = value`` for all, in one pass."""
    raw = headers._list  # starlette's own list (``raw`` is a property call): changed in place
    # Usually none of them is there: asked in C (~3.7 k instructions less than the filter
    # over ~15 headers, for each of the chain's three callers per response).
    if not drop.isdisjoint(map(_name, raw)):
        raw[:] = [pair for pair in raw if pair[0] not in drop]
    raw.extend(add)
