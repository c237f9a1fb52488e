"""The client address on a real listener, from a raw socket (issue 17, H4 and L11): a
client's own X-Forwarded-For line before the trusted proxy's line, which a client library
would merge, and hop forms HAProxy and nginx write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from proxy.testing import raw_http
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.upstreams import FakeProvider, one_provider_config

Factory = Callable[..., Awaitable[RunningGateway]]

POLICY = """
[[plugins]]
use = "ip_filter"
deny = ["203.0.113.0/24", "127.0.0.0/8"]
"""


def head(*forwarded: str) -> str:
    lines = "".join(f"X-Forwarded-For: {value}\r\n" for value in forwarded)
    return f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}"


async def test_every_forwarding_line_counts_and_no_hop_becomes_the_proxy(
    gateway_factory: Factory, fake_provider: FakeProvider
) -> None:
    config = one_provider_config(fake_provider, server='trusted_proxies = ["127.0.0.1/32"]')
    gw = await gateway_factory(config, {"default": POLICY})
    # the client's forged line first, the proxy's own line (the real client) appended
    assert (await raw_http(gw.port, head("198.51.100.1", "203.0.113.5"))).status == 403
    assert (await raw_http(gw.port, head("203.0.113.5", "198.51.100.1"))).status == 200
    assert (await raw_http(gw.port, head("203.0.113.5:4711"))).status == 403
    assert (await raw_http(gw.port, head("[::ffff:203.0.113.5]:4711"))).status == 403
    # an unparsable hop is "unknown": neither the denied proxy address nor a pass
    unknown = await raw_http(gw.port, head("unknown"))
    assert unknown.status == 200
    assert (await raw_http(gw.port, head())).status == 403  # the peer itself is denied
