"""cors through the real pipeline: preflights (allowed, disallowed, wildcard, credentialed),
actual requests, Vary, upstream header replacement and load-time refusals."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from plugins.cors import Cors, compile_origin
from plugins.security_headers import SecurityHeaders
from proxy.testing import FakeReply, FakeUpstream, Harness

APP = "https://app.example.com"
BASE = {
    "allow_origins": [APP, "https://*.example.org", "http://localhost:5173"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["Authorization", "Content-Type"],
}


def preflight(origin: str, method: str = "POST", headers: str = "") -> dict[str, str]:
    out = {"origin": origin, "access-control-request-method": method}
    if headers:
        out["access-control-request-headers"] = headers
    return out


async def test_allowed_preflight_is_answered_at_the_gateway() -> None:
    harness = Harness([(Cors, BASE)])
    result = await harness.request(
        "OPTIONS", headers=preflight(APP, "POST", "content-type, authorization")
    )
    assert result.status == 204
    assert result.body == b""
    assert result.header("access-control-allow-origin") == APP
    assert result.header("access-control-allow-methods") == "GET, POST"
    assert result.header("access-control-allow-headers") == "Authorization, Content-Type"
    assert result.header("access-control-max-age") == "600"
    assert result.header("access-control-allow-credentials") is None
    vary = result.header("vary") or ""
    assert [v.strip() for v in vary.split(",")] == [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ]
    assert harness.upstream.requests == []  # never reached the provider


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (preflight("https://evil.com"), "origin not allowed"),
        (preflight(APP, "DELETE"), "method not allowed"),
        (preflight(APP, "POST", "content-type, x-admin"), "header not allowed"),
    ],
)
async def test_disallowed_preflight_is_a_403_envelope_without_cors_headers(
    headers: dict[str, str], why: str
) -> None:
    harness = Harness([(Cors, BASE)])
    result = await harness.request("OPTIONS", headers=headers)
    assert result.status == 403
    error = result.json()["error"]
    assert error["type"] == "cors_rejected" and why in error["message"]
    assert not [k for k, _ in result.headers if k.startswith("access-control-")]
    assert "Origin" in (result.header("vary") or "")
    assert [(e.type, e.reason) for e in result.exchange.events] == [("cors_rejected", why)]
    assert harness.upstream.requests == []


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.org", True),
        ("https://deep.sub.example.org", True),
        ("https://A.Example.ORG", True),
        ("https://example.org", False),  # the bare domain is not a subdomain
        ("http://a.example.org", False),  # scheme must match
        ("https://a.example.org:8443", False),  # port must match
        ("https://evil.com/.example.org", False),
        ("https://example.org.evil.com", False),
        ("https://a.example.org.evil.com", False),
        ("https://evilexample.org", False),
        ("https://a.example.org@evil.com", False),
        ("https://a_b.example.org", False),
        ("https://.example.org", False),
        ("https://a.example.org\n", False),
    ],
)
async def test_wildcard_subdomain_preflight(origin: str, allowed: bool) -> None:
    result = await Harness([(Cors, BASE)]).request("OPTIONS", headers=preflight(origin))
    assert result.status == (204 if allowed else 403)
    assert result.header("access-control-allow-origin") == (origin if allowed else None)


async def test_credentialed_preflight_and_actual_request() -> None:
    options = {**BASE, "allow_credentials": True}
    harness = Harness([(Cors, options)])
    pre = await harness.request("OPTIONS", headers=preflight(APP, "POST", "authorization"))
    assert pre.status == 204
    assert pre.header("access-control-allow-origin") == APP  # the origin, never "*"
    assert pre.header("access-control-allow-credentials") == "true"
    actual = await harness.request("POST", headers={"origin": APP}, json={"model": "m"})
    assert actual.status == 200
    assert actual.header("access-control-allow-origin") == APP
    assert actual.header("access-control-allow-credentials") == "true"
    assert actual.header("access-control-expose-headers") == "X-Request-ID, Retry-After"
    denied = await harness.request("POST", headers={"origin": "https://evil.com"}, json={})
    assert denied.header("access-control-allow-origin") is None
    assert denied.header("access-control-allow-credentials") is None


async def test_upstream_cors_headers_are_replaced_and_vary_is_merged() -> None:
    reply = FakeReply(
        200,
        [
            (b"content-type", b"application/json"),
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Accept-Encoding"),
        ],
        [b"{}"],
    )
    harness = Harness([(Cors, BASE)], FakeUpstream(reply))
    evil = await harness.request("GET", "/v1/models", headers={"origin": "https://evil.com"})
    assert evil.header("access-control-allow-origin") is None
    assert evil.header("access-control-allow-credentials") is None
    assert evil.header("vary") == "Accept-Encoding, Origin"
    no_origin = await harness.request("GET", "/v1/models")
    assert no_origin.header("access-control-allow-origin") is None
    assert no_origin.header("vary") == "Accept-Encoding, Origin"
    good = await harness.request("GET", "/v1/models", headers={"origin": APP})
    assert [v for k, v in good.headers if k == "access-control-allow-origin"] == [APP]


async def test_any_origin_without_credentials_answers_star() -> None:
    options = {"allow_origins": ["*"], "allow_headers": ["*"]}
    harness = Harness([(Cors, options)])
    pre = await harness.request(
        "OPTIONS", headers=preflight("https://whoever.test", "GET", "x-custom, content-type")
    )
    assert pre.status == 204
    assert pre.header("access-control-allow-origin") == "*"
    assert pre.header("access-control-allow-headers") == "x-custom, content-type"
    actual = await harness.request("GET", "/v1/models", headers={"origin": "https://x.test"})
    assert actual.header("access-control-allow-origin") == "*"


async def test_reject_disallowed_turns_actual_requests_into_403() -> None:
    harness = Harness([(Cors, {**BASE, "reject_disallowed": True})])
    result = await harness.request("POST", headers={"origin": "https://evil.com"}, json={})
    assert result.status == 403 and result.json()["error"]["type"] == "cors_rejected"
    assert harness.upstream.requests == []
    ok = await harness.request("POST", json={})  # no Origin: not a browser CORS request
    assert ok.status == 200


async def test_options_without_origin_goes_upstream() -> None:
    harness = Harness([(Cors, BASE)])
    result = await harness.request("OPTIONS", headers={"access-control-request-method": "GET"})
    assert result.status == 200 and len(harness.upstream.requests) == 1


async def test_preflight_carries_security_headers_when_listed_first() -> None:
    harness = Harness([(SecurityHeaders, {}), (Cors, BASE)])
    result = await harness.request("OPTIONS", headers=preflight(APP))
    assert result.status == 204
    assert result.header("x-content-type-options") == "nosniff"
    refused = await harness.request("OPTIONS", headers=preflight("https://evil.com"))
    assert refused.status == 403 and refused.header("cache-control") == "no-store"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allow_origins": ["*"], "allow_credentials": True}, "allow_credentials"),
        ({"allow_origins": ["*", APP]}, "list it alone"),
        ({"allow_origins": []}, "at least 1"),
        ({"allow_origins": ["null"]}, "sandboxed"),
        ({"allow_origins": ["https://app.example.com/"]}, "no path"),
        ({"allow_origins": ["app.example.com"]}, "scheme://host"),
        ({"allow_origins": ["https://*example.com"]}, "leftmost label"),
        ({"allow_origins": ["https://a.*.example.com"]}, "leftmost label"),
        ({"allow_origins": ["https://*.com"]}, "domain with a dot"),
        ({"allow_origins": ["ftp://x.example.com"]}, "scheme://host"),
        ({"allow_origins": [APP], "allow_headers": ["*"], "allow_credentials": True}, "allow_h"),
        ({"allow_origins": [APP], "allow_methods": ["PO ST"]}, "valid token"),
        ({"allow_origins": [APP], "max_age": -1}, "greater than or equal"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Cors.Options.model_validate(options)


def test_compiled_pattern_is_anchored_to_dns_labels() -> None:
    pattern = compile_origin("https://*.example.com:8443")
    assert not isinstance(pattern, str)
    assert pattern.fullmatch("https://a.example.com:8443")
    assert not pattern.fullmatch("https://a.example.com:84430")
    assert not pattern.fullmatch("https://a.example.com")
    # linear: a long near-miss host is rejected without blow-up (labels are bounded)
    assert not pattern.fullmatch("https://" + "a." * 5000 + "example.co")
    assert compile_origin("HTTPS://App.Example.com") == APP
