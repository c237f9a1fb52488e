"""Who the client really is: the socket's peer, or the forwarding header through trusted proxies.

X-Forwarded-For and Forwarded are trivially forged, so they are believed only when the peer
is a configured proxy; then the rightmost hop that is not itself a trusted proxy is the
client. Three rules close what an attack review walked through (issue 17):

- Every field line of the header counts (RFC 9110 §5.3: repeated lines are one
  comma-separated list). HAProxy's ``option forwardfor`` appends a line of its own; reading
  only the first let a client choose its own address (H4).
- A hop is parsed in all the forms proxies write (``192.0.2.7``, ``192.0.2.7:1234``,
  ``[2001:db8::1]:443``, a bare IPv6 address, RFC 7239's quoted ``for="…"``). A hop that is
  no address (``unknown``, an obfuscated ``_id``, junk) ends the walk: that client is
  ``unknown``, never the proxy's own address (L11), which was once skipped by deny lists and
  then banned.
- IPv4-mapped IPv6 (``::ffff:192.0.2.7``, what a dual-stack listener reports for every IPv4
  client) becomes the IPv4 address, here once for every plugin that judges or keys an
  address (M2).

Which header a deployment's proxy writes is ``server.client_ip_header``; only that one is
read, since a proxy that writes one passes a client's forged other one through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address
UNKNOWN = "unknown"  # the client address when the nearest trusted proxy could not say


_LONGEST = 100  # "[v6 with an IPv4 tail and a zone]:port" fits; longer is junk, never cached


def parse_address(text: str) -> Address | None:
    """An address from one hop or peer string in any usual form; None when it is none."""
    return _parse(text) if len(text) <= _LONGEST else None


@lru_cache(maxsize=65536)
def _parse(text: str) -> Address | None:
    text = text.strip().strip('"').strip()
    if text.startswith("["):  # [v6] or [v6]:port
        end = text.find("]")
        if end < 0 or (text[end + 1 :] and not _is_port(text[end + 1 :])):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # v4:port
        host, _, port = text.partition(":")
        if not _is_port(":" + port):
            return None
        text = host
    try:
        ip = ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_port(text: str) -> bool:
    port = text[1:]
    return (
        text[:1] == ":"
        and 0 < len(port) <= 5
        and port.isascii()
        and port.isdigit()
        and int(port) <= 65535
    )


def normalise(address: str) -> str:
    """The canonical text of an address (mapped IPv6 as IPv4); anything else unchanged."""
    if ":" not in address:  # plain IPv4 (the common peer): nothing to do
        return address
    ip = parse_address(address)
    return str(ip) if ip is not None else address


def address_unit(address: str, ipv6_prefix: int) -> str:
    """What limits and bans count: an IPv4 address, or an IPv6 address's /``ipv6_prefix``
    network (one host usually owns a whole /64, so counting single addresses is rotation-proof
    for nobody). Anything that is no address is its own unit."""
    ip = parse_address(address)
    if ip is None:
        return address
    if ip.version == 6 and ipv6_prefix < 128:
        return str(ip_network(f"{ip}/{ipv6_prefix}", strict=False))
    return str(ip)


def forwarded_hops(values: Iterable[str]) -> list[str]:
    """The ``for=`` of each element of RFC 7239 ``Forwarded`` lines, in order; an element
    without one is an empty hop (unparsable, so it ends the walk)."""
    hops = []
    for element in _split(",".join(values), ","):
        found = ""
        for pair in _split(element, ";"):
            name, sep, value = pair.partition("=")
            if sep and name.strip().lower() == "for":
                found = value.strip()
        hops.append(found)
    return hops


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double quotes; empty members dropped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


class ClientIpResolver:
    def __init__(self, trusted: Sequence[Network], header: str = "x-forwarded-for") -> None:
        self._trusted = tuple(trusted)
        self.enabled = bool(self._trusted)
        self.header = header.lower()
        self._header_bytes = self.header.encode()
        # Peers repeat (a load balancer, a few clients): cache the membership test.
        self._trusted_ip = lru_cache(maxsize=4096)(self._in_trusted)

    def is_trusted(self, address: str) -> bool:
        ip = parse_address(address)
        return ip is not None and self._trusted_ip(ip)

    def _in_trusted(self, ip: Address) -> bool:
        return any(ip in network for network in self._trusted)

    def field_lines(self, headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
        """Every line of the configured header, in order (raw ASGI headers)."""
        name = self._header_bytes
        return [value.decode("latin-1") for key, value in headers if key == name]

    def resolve(self, peer: str, lines: Sequence[str]) -> str:
        """The client address, given the socket peer and every line of the forwarding header."""
        peer = normalise(peer)
        if not self.enabled or not lines or not self.is_trusted(peer):
            return peer
        if self.header == "forwarded":
            hops = forwarded_hops(lines)
        else:
            hops = [hop.strip() for hop in ",".join(lines).split(",") if hop.strip()]
        for hop in reversed(hops):
            ip = parse_address(hop)
            if ip is None:
                return UNKNOWN
            if not self.is_trusted(hop):
                return str(ip)
        # Every hop is a trusted proxy: the leftmost is as far as anyone can tell.
        if hops:
            first = parse_address(hops[0])
            return str(first) if first is not None else UNKNOWN
        return peer
