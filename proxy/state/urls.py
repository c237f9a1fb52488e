"""State URLs: which redis topology ``[state] url`` names, parsed once at load.

Three topologies, one URL grammar (the forms the ``limits`` library uses):

- one node: ``redis://[user:password@]host[:port][/db]``, ``rediss://…`` (TLS),
  ``unix:///path/to/redis.sock[?db=N]``;
- Redis Cluster: ``redis+cluster://[user:password@]host:port,host:port[,…]`` (seed nodes;
  the rest of the cluster is discovered), ``rediss+cluster://…`` for TLS;
- Sentinel: ``redis+sentinel://[user:password@]host:port,host:port[,…]/<service name>``
  (the sentinels; the primary is asked of them), ``rediss+sentinel://…`` for TLS to the data
  nodes.

Query options, on every form: ``socket_timeout`` and ``socket_connect_timeout`` (seconds)
and ``db`` (one node and Sentinel only: Redis Cluster has database 0 alone). Anything else is
refused, so a typo fails ``sluicegate check`` instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from proxy.state.resp import Endpoint

TopologyKind = Literal["single", "cluster", "sentinel"]
_QUERY_OPTIONS = frozenset({"db", "socket_timeout", "socket_connect_timeout"})
_SCHEMES: dict[str, tuple[TopologyKind, bool]] = {
    "redis": ("single", False),
    "rediss": ("single", True),
    "unix": ("single", False),
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}
FORMS = (
    "redis://host:port/db, rediss://…, unix:///path.sock, "
    "redis+cluster://host:port,host:port, redis+sentinel://host:port,host:port/<service>"
)


@dataclass(frozen=True, slots=True)
class StateUrl:
    """A parsed state URL: the topology, its seed addresses and how to reach each node.

    ``node`` carries credentials, TLS, database and timeouts for every data node;
    ``seeds`` are the cluster's seed nodes or the sentinels (``[]`` for one node, whose
    address is ``node`` itself); ``service`` is the Sentinel service name.
    """

    kind: TopologyKind
    node: Endpoint
    seeds: tuple[tuple[str, int], ...] = ()
    service: str = ""

    def endpoint(self, host: str, port: int) -> Endpoint:
        """``node``'s settings for another address (a discovered cluster node, a primary)."""
        return replace(self.node, host=host, port=port, path=None)

    def redacted(self) -> str:
        """The URL without credentials or options, for logs and ``check``."""
        tls = "s" if self.node.tls else ""
        if self.kind == "single":
            if self.node.path is not None:
                return f"unix://{self.node.path}"
            return f"redis{tls}://{self.node.name}/{self.node.db}"
        seeds = ",".join(f"{h}:{p}" for h, p in self.seeds)
        tail = f"/{self.service}" if self.service else ""
        return f"redis{tls}+{self.kind}://{seeds}{tail}"


def _hostport(item: str, url: str) -> tuple[str, int]:
    host, sep, port = item.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port in {_safe(url)!r}, got {item!r}")
    return host, int(port)


def _safe(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


def parse_state_url(url: str, timeout: float = 0.5) -> StateUrl:
    """Parse ``url`` (raises ``ValueError`` naming the problem, never echoing a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        raise ValueError(f"state.url must be one of {FORMS} (got {_safe(url)!r})")
    kind, tls = _SCHEMES[scheme]
    if kind == "single":
        return StateUrl("single", _single(url, timeout))
    userinfo, _, hostpart = rest.rpartition("@")
    netloc, _, tail = hostpart.partition("/")
    path, _, query_text = tail.partition("?")
    if "?" in netloc:
        netloc, _, query_text = netloc.partition("?")
    seeds = tuple(_hostport(item, url) for item in netloc.split(",") if item.strip())
    if not seeds:
        raise ValueError(f"{scheme}:// needs at least one host:port (got {_safe(url)!r})")
    query = _query(query_text)
    service = unquote(path.strip("/"))
    if kind == "sentinel" and not service:
        raise ValueError(f"{scheme}:// needs the service name: {scheme}://host:port,…/<service>")
    if kind == "cluster" and (path.strip("/") or "db" in query):
        raise ValueError("redis+cluster:// takes no database: Redis Cluster has db 0 only")
    username, password = _credentials(userinfo)
    node = _endpoint(query, timeout, tls=tls, username=username, password=password)
    return StateUrl(kind, node, seeds, service)


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    if not userinfo:
        return None, None
    user, sep, password = userinfo.partition(":")  # as urlsplit reads one node's URL
    return (unquote(user) or None), (unquote(password) if sep else None)


def _query(text: str) -> dict[str, str]:
    query = {k: v[-1] for k, v in parse_qs(text).items()}
    unknown = sorted(set(query) - _QUERY_OPTIONS)
    if unknown:
        raise ValueError(f"unsupported redis URL option(s): {', '.join(unknown)}")
    return query


def _endpoint(
    query: dict[str, str],
    timeout: float,
    *,
    db: str | None = None,
    tls: bool = False,
    username: str | None = None,
    password: str | None = None,
) -> Endpoint:
    try:
        number = int(query.get("db") or db or 0)
        read_timeout = float(query.get("socket_timeout", timeout))
        connect_timeout = float(query.get("socket_connect_timeout", timeout))
    except ValueError as exc:
        raise ValueError(f"bad redis URL option: {exc}") from None
    if read_timeout <= 0 or connect_timeout <= 0:
        raise ValueError("redis socket timeouts must be positive")
    return Endpoint(
        db=number,
        username=username,
        password=password,
        tls=tls,
        timeout=read_timeout,
        connect_timeout=connect_timeout,
    )


def _single(url: str, timeout: float) -> Endpoint:
    parts = urlsplit(url)
    if "," in parts.netloc:
        raise ValueError(
            f"{parts.scheme}:// names one node; for several use "
            "redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/<service>"
        )
    query = _query(parts.query)
    try:
        port = parts.port or 6379
    except ValueError as exc:
        raise ValueError(f"bad redis URL {_safe(url)!r}: {exc}") from None
    unix = parts.scheme == "unix"
    endpoint = _endpoint(
        query,
        timeout,
        db=None if unix else (parts.path.strip("/") or None),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme == "rediss",
    )
    if unix:
        if not parts.path:
            raise ValueError("unix:// needs a socket path: unix:///run/redis/redis.sock")
        return replace(endpoint, path=parts.path)
    return replace(endpoint, host=parts.hostname or "127.0.0.1", port=port)
