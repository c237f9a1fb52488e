"""Who the client really is: the socket's peer, or X-Forwarded-For through trusted proxies only.

X-Forwarded-For is trivially forged, so it is believed only when the peer is a configured
proxy; then the rightmost address that is not itself a trusted proxy is the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


class ClientIpResolver:
    def __init__(self, trusted: Sequence[Network]) -> None:
        self._trusted = tuple(trusted)
        self.enabled = bool(self._trusted)
        # Peers repeat (a load balancer, a few clients): cache the membership test.
        self.is_trusted = lru_cache(maxsize=4096)(self._is_trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def resolve(self, peer: str, forwarded_for: str | None) -> str:
        """The client address, given the socket peer and the X-Forwarded-For header value."""
        if not self.enabled or not forwarded_for or not self.is_trusted(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                return _valid_or(hop, peer)
        return _valid_or(hops[0], peer) if hops else peer


def _valid_or(candidate: str, fallback: str) -> str:
    try:
        return str(ip_address(candidate.strip("[]")))
    except ValueError:
        return fallback
