"""The client address (issue 17: H4, L11, M2, M1): every forwarding field line counts, hops
in every form proxies write, an unparsable hop is ``unknown`` and never the proxy, mapped
IPv6 is IPv4 for every plugin, and IPv6 clients share a rate-limit bucket per /64."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from plugins.ip_filter import IpFilter
from plugins.rate_limit import RateLimit
from proxy.clientip import UNKNOWN, ClientIpResolver, address_unit, forwarded_hops
from proxy.testing import Harness

PROXY = "10.9.0.2"
resolver = ClientIpResolver([ip_network("10.9.0.0/16")])
forwarded = ClientIpResolver([ip_network("10.9.0.0/16")], "forwarded")


@pytest.mark.parametrize(
    ("lines", "client"),
    [
        # H4: a client's own line first, the trusted proxy's line appended after it
        (["198.51.100.1", "203.0.113.5"], "203.0.113.5"),
        (["198.51.100.1, 10.9.0.7", "203.0.113.5, 10.9.0.8"], "203.0.113.5"),
        # L11: hop forms
        (["192.0.2.7:1234"], "192.0.2.7"),
        (["[2001:db8::1]:443"], "2001:db8::1"),
        (["[2001:db8::1]"], "2001:db8::1"),
        (["2001:db8::1"], "2001:db8::1"),
        (['"192.0.2.7"'], "192.0.2.7"),
        (["unknown"], UNKNOWN),
        (["_hidden"], UNKNOWN),
        (["198.51.100.1, unknown"], UNKNOWN),
        (["192.0.2.7:99999"], UNKNOWN),
        (["[2001:db8::1"], UNKNOWN),
        (["x" * 5000], UNKNOWN),
        # M2: a mapped address is the IPv4 one
        (["::ffff:203.0.113.5"], "203.0.113.5"),
        (["[::ffff:203.0.113.5]:80"], "203.0.113.5"),
        # every hop trusted: the leftmost
        (["10.9.0.7, 10.9.0.8"], "10.9.0.7"),
        ([], PROXY),
        ([" , "], PROXY),
    ],
)
def test_x_forwarded_for_hops(lines: list[str], client: str) -> None:
    assert resolver.resolve(PROXY, lines) == client


@pytest.mark.parametrize(
    ("lines", "client"),
    [
        (["for=198.51.100.1", "for=203.0.113.5;proto=https"], "203.0.113.5"),
        (['for="[2001:db8::1]:443", for=10.9.0.7'], "2001:db8::1"),
        (['For="_gazonk"'], UNKNOWN),
        (["for=unknown"], UNKNOWN),
        (["proto=https;by=10.9.0.2"], UNKNOWN),
        (['for="198.51.100.1,evil";proto=http, for=203.0.113.9'], "203.0.113.9"),
    ],
)
def test_forwarded_hops(lines: list[str], client: str) -> None:
    assert forwarded.resolve(PROXY, lines) == client


def test_forwarded_elements_respect_quotes() -> None:
    assert forwarded_hops(['for="a,b";by=x, for=c']) == ['"a,b"', "c"]


def test_the_forwarding_header_is_believed_only_from_a_trusted_peer() -> None:
    assert resolver.resolve("203.0.113.1", ["198.51.100.1"]) == "203.0.113.1"
    assert resolver.resolve("::ffff:203.0.113.1", ["198.51.100.1"]) == "203.0.113.1"
    # a mapped peer inside the trusted network is trusted
    assert resolver.resolve("::ffff:10.9.0.2", ["198.51.100.1"]) == "198.51.100.1"
    # the other header is not read
    assert resolver.resolve(PROXY, []) == PROXY
    assert forwarded.resolve(PROXY, []) == PROXY


def test_address_units() -> None:
    assert address_unit("2001:db8:1:2:3::9", 64) == "2001:db8:1:2::/64"
    assert address_unit("2001:db8:1:2:3::9", 128) == "2001:db8:1:2:3::9"
    assert address_unit("::ffff:192.0.2.1", 64) == "192.0.2.1"
    assert address_unit(UNKNOWN, 64) == UNKNOWN


async def test_a_client_line_before_the_proxy_line_cannot_pass_a_deny_list() -> None:
    h = Harness([(IpFilter, {"deny": ["203.0.113.0/24"]})], trusted_proxies=["10.9.0.0/16"])
    lines = [("x-forwarded-for", "198.51.100.1"), ("x-forwarded-for", "203.0.113.5")]
    assert (await h.request("POST", json={}, headers=lines, client_ip=PROXY)).status == 403
    await h.close()


async def test_an_unparsable_hop_is_never_the_proxy() -> None:
    """A ban list that holds ``unknown`` never bans the proxy's own address (L11)."""
    h = Harness([(IpFilter, {"deny": ["10.9.0.0/16"]})], trusted_proxies=["10.9.0.0/16"])
    result = await h.request(
        "POST", json={}, headers={"x-forwarded-for": "192.0.2.7:1234"}, client_ip=PROXY
    )
    assert result.status == 200
    assert result.exchange.client_ip == "192.0.2.7"
    result = await h.request(
        "POST", json={}, headers={"x-forwarded-for": "unknown"}, client_ip=PROXY
    )
    assert result.exchange.client_ip == UNKNOWN
    await h.close()


async def test_a_mapped_peer_meets_ipv4_lists() -> None:
    h = Harness([(IpFilter, {"deny": ["192.0.2.0/24"]})])
    assert (await h.request("POST", json={}, client_ip="::ffff:192.0.2.9")).status == 403
    allow = Harness([(IpFilter, {"allow": ["192.0.2.0/24"]})])
    assert (await allow.request("POST", json={}, client_ip="::ffff:192.0.2.9")).status == 200
    assert (await allow.request("POST", json={}, client_ip="::ffff:198.51.100.9")).status == 403
    await h.close()
    await allow.close()


async def test_rate_limit_counts_an_ipv6_slash_64_as_one_client() -> None:
    h = Harness([(RateLimit, {"limit": "2/minute", "burst": 1})])
    statuses = [
        (await h.request("POST", json={}, client_ip=f"2001:db8:1:2::{i:x}")).status
        for i in range(1, 5)
    ]
    assert statuses == [200, 200, 429, 429]
    # another /64 is another client; a mapped IPv4 client is its IPv4 address
    assert (await h.request("POST", json={}, client_ip="2001:db8:1:3::1")).status == 200
    assert (await h.request("POST", json={}, client_ip="192.0.2.1")).status == 200
    assert (await h.request("POST", json={}, client_ip="::ffff:192.0.2.1")).status == 200
    assert (await h.request("POST", json={}, client_ip="::ffff:192.0.2.1")).status == 429
    per_address = Harness([(RateLimit, {"limit": "2/minute", "burst": 1, "ipv6_prefix": 128})])
    statuses = [
        (await per_address.request("POST", json={}, client_ip=f"2001:db8:1:2::{i:x}")).status
        for i in range(1, 5)
    ]
    assert statuses == [200] * 4
    await h.close()
    await per_address.close()
