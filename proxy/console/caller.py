"""Who is at the other end of a console request: the client's address, whether it came over
HTTPS, and the origin it should come from — believing a proxy's ``X-Forwarded-*`` headers
only when the socket peer is one of ``server.trusted_proxies`` (the same rule, and the same
resolver, as the proxy path's client address)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from proxy.app import Gateway


@dataclass(frozen=True, slots=True)
class Caller:
    address: str
    https: bool
    host: str  # what a same-origin request's Origin names (host[:port])

    def same_origin(self, request: Request) -> bool:
        """A browser's Origin (when sent) must be this console itself; "null" never is."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        scheme, _, rest = origin.partition("://")
        return scheme == ("https" if self.https else "http") and rest == self.host


def caller_of(gateway: Gateway, request: Request) -> Caller:
    resolver = gateway.runtime.pipeline.resolver
    peer = request.client.host if request.client else "unknown"
    address = resolver.resolve(peer, resolver.field_lines(request.scope["headers"]))
    https = request.url.scheme == "https"
    host = request.headers.get("host", "")
    if resolver.enabled and resolver.is_trusted(peer):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        https = https or proto == "https"
        host = request.headers.get("x-forwarded-host", "").split(",")[0].strip() or host
    return Caller(address, https, host)
