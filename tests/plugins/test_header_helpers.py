"""The small header helpers on every request: ``replace_headers`` (rate_limit, request_id,
security_headers) changes the exchange's own header list in place, and ``header_token`` reads
the bearer credentials as it always did."""

from __future__ import annotations

import pytest
from starlette.datastructures import MutableHeaders

from plugins._headers import replace_headers
from plugins._jwt.caller import header_token
from proxy.headers import Headers

NAMES = frozenset({b"x-a", b"x-b"})


@pytest.mark.parametrize("kind", [Headers, MutableHeaders])
def test_replace_changes_the_list_in_place_each_name_once(kind: type[MutableHeaders]) -> None:
    raw = [(b"x-a", b"old"), (b"content-type", b"text/plain"), (b"x-a", b"older"), (b"x-c", b"3")]
    headers = kind(raw=raw)
    replace_headers(headers, NAMES, ((b"x-a", b"1"), (b"x-b", b"2")))
    assert headers.raw is raw  # the exchange's own list, not a copy
    assert raw == [(b"content-type", b"text/plain"), (b"x-c", b"3"), (b"x-a", b"1"), (b"x-b", b"2")]
    assert headers["X-A"] == "1" and headers.getlist("x-a") == ["1"]
    replace_headers(headers, NAMES, ())  # nothing to add: the names go
    assert raw == [(b"content-type", b"text/plain"), (b"x-c", b"3")]


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("  bearer   abc.def.ghi  ", "abc.def.ghi"),
        ("BEARER x", "x"),
        ("Bearer ", None),
        ("Bearer    ", None),
        ("Bearer", None),
        ("Basic dXNlcjpwYXNz", None),
        ("", None),
    ],
)
def test_header_token_reads_the_bearer_credentials(value: str, token: str | None) -> None:
    assert header_token(value, bearer=True) == token


def test_header_token_without_a_scheme_is_the_whole_value() -> None:
    assert header_token("  abc.def.ghi ", bearer=False) == "abc.def.ghi"
    assert header_token("   ", bearer=False) is None
