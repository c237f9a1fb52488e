"""The route table: host, exact path or prefix, methods, headers; the first match wins.

Routes are compiled once per config load into plain predicates, so matching a request is a
few string comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from proxy.config.models import RouteConfig

if TYPE_CHECKING:
    from proxy.chain import Chain
    from proxy.upstream.group import UpstreamGroup


@dataclass(eq=False)
class Route:
    """A compiled route: what it matches and where it sends the request."""

    index: int
    name: str
    config: RouteConfig
    chain: Chain
    upstream: UpstreamGroup
    host: str | None = None
    host_suffix: str | None = None
    path: str | None = None
    path_prefix: str | None = None
    methods: frozenset[str] | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, index: int, config: RouteConfig, chain: Chain, upstream: UpstreamGroup) -> Route:
        match = config.match
        host = match.host.lower() if match.host else None
        suffix = host[1:] if host and host.startswith("*.") else None
        return cls(
            index=index,
            name=config.name or f"route{index}",
            config=config,
            chain=chain,
            upstream=upstream,
            host=None if suffix else host,
            host_suffix=suffix,
            path=match.path,
            path_prefix=match.path_prefix,
            methods=frozenset(match.methods) if match.methods else None,
            headers=tuple((k.lower(), v) for k, v in (match.headers or {}).items()),
        )

    def matches(self, method: str, path: str, host: str, headers: dict[str, str]) -> bool:
        if self.path is not None and path != self.path:
            return False
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        if self.methods is not None and method not in self.methods:
            return False
        if self.host is not None and host != self.host:
            return False
        if self.host_suffix is not None and not host.endswith(self.host_suffix):
            return False
        for name, value in self.headers:
            actual = headers.get(name)
            if actual is None or (value != "*" and actual != value):
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.host or self.host_suffix:
            parts.append(f"host={self.config.match.host}")
        if self.path is not None:
            parts.append(f"path={self.path}")
        if self.path_prefix is not None:
            parts.append(f"prefix={self.path_prefix}")
        if self.methods:
            parts.append("methods=" + ",".join(sorted(self.methods)))
        for name, value in self.headers:
            parts.append(f"header {name}={value}")
        return " ".join(parts) or "*"


class RouteTable:
    """Finds the first route matching a request."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)
        self._needs_headers = any(r.headers for r in self.routes)
        self._needs_host = any(r.host or r.host_suffix for r in self.routes)

    def match(
        self, method: str, path: str, raw_headers: Sequence[tuple[bytes, bytes]]
    ) -> Route | None:
        host = ""
        headers: dict[str, str] = {}
        if self._needs_headers or self._needs_host:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
            host = headers.get("host", "").rsplit(":", 1)[0].lower() if self._needs_host else ""
        for route in self.routes:
            if route.matches(method, path, host, headers):
                return route
        return None
