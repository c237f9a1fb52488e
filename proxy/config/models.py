"""The shape of config.toml, as pydantic models: unknown keys are errors, values are parsed once.

Defaults are chosen so the shipped config.toml stays short. Every field carries a description:
it ends up in the published JSON Schema, which editors use to validate and complete the file.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from proxy.config.types import ByteSize, Duration, Strict, registered
from proxy.config.upstreams import ProviderConfig, UpstreamConfig
from proxy.engines import ENGINES, HTTP1
from proxy.state.urls import parse_state_url

Network = IPv4Network | IPv6Network


class ServerConfig(Strict):
    listen: list[str] = Field(["127.0.0.1:8080"], description="host:port addresses to serve on.")
    admin_listen: str | None = Field(
        "127.0.0.1:9901", description="Admin listener (/-/health, /-/ready, /-/metrics, /-/status)."
    )
    admin_token: SecretStr | None = Field(
        None,
        description=(
            "Bearer token every admin route but /-/health and /-/ready requires; empty or "
            'unset: none. Set it from the environment: "${SLUICEGATE_ADMIN_TOKEN:-}".'
        ),
    )
    engine: str = Field(
        "hypercorn",
        description='The HTTP server: "hypercorn" (pure Python, the default) or "granian" '
        "(Rust, faster; docs/deploy.md lists what differs).",
        json_schema_extra={"enum": list(ENGINES)},
    )
    http1: str = Field(
        "httptools",
        description='Under Hypercorn, the HTTP/1.1 parser and writer: "httptools" (llhttp, C, '
        'the default) or "h11" (pure Python); the same bytes on the wire, docs/deploy.md lists '
        "what differs).",
        json_schema_extra={"enum": list(HTTP1)},
    )
    workers: int = Field(1, ge=1, le=256, description="Worker processes.")
    trusted_proxies: list[Network] = Field(
        [], description="CIDRs whose forwarding header is believed (rightmost untrusted hop wins)."
    )
    client_ip_header: Literal["x-forwarded-for", "forwarded"] = Field(
        "x-forwarded-for",
        description="The header the trusted proxies write: X-Forwarded-For, or RFC 7239 "
        "Forwarded (for=). Only this one is read; all of its field lines count.",
    )
    max_body: ByteSize = Field(
        32 * 1024 * 1024, description="Largest request body the gateway buffers (JSON routing)."
    )
    backlog: int = Field(2048, ge=1, description="Listen backlog (the OS queue of new sockets).")
    header_limit: ByteSize = Field(
        64 * 1024, description="Largest request head accepted (large JWTs need room)."
    )
    keep_alive: Duration = Field(75.0, description="Idle keep-alive timeout for client sockets.")
    head_timeout: Duration = Field(
        10.0,
        gt=0,
        description="From its first byte, a request head must arrive within this (408, close).",
    )
    body_timeout: Duration = Field(
        60.0,
        gt=0,
        description="From the end of the head, a request body (HTTP/1.1, or an HTTP/2 "
        "stream's) must arrive within this (408).",
    )
    max_connections: int = Field(
        4096,
        ge=1,
        description="Open connections per process on the public listeners; past it 503 + close.",
    )
    shutdown_timeout: Duration = Field(
        30.0, description="How long a stop or reload waits for in-flight requests to finish."
    )
    access_log: bool = Field(True, description="One JSON access-log line per request.")
    ready_requires_targets: bool = Field(
        False, description="/-/ready answers 503 while a route's upstream has no available target."
    )
    ready_requires_state: bool = Field(
        False,
        description="/-/ready answers 503 while the shared state store (every primary) is down.",
    )

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: str) -> str:
        return registered(value, ENGINES, "engine")

    @field_validator("http1")
    @classmethod
    def _http1(cls, value: str) -> str:
        return registered(value, HTTP1, "http1")

    @field_validator("listen")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            _check_address(address)
        return value

    @field_validator("admin_listen")
    @classmethod
    def _admin_address(cls, value: str | None) -> str | None:
        if value:
            _check_address(value)
        return value

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # "${SLUICEGATE_ADMIN_TOKEN:-}" with the variable unset
        if len(value.get_secret_value()) < 16:
            raise ValueError("an admin token must be at least 16 characters")
        return value


def _check_address(address: str) -> None:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'expected "host:port" such as "127.0.0.1:8080", got {address!r}')


class StateConfig(Strict):
    backend: Literal["memory", "redis"] = Field(
        "memory", description="Where limits, bans and caches live; redis shares them."
    )
    url: str | None = Field(
        None,
        description="redis://host:port/db, rediss://…, unix:///path.sock, "
        "redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/<service>.",
    )
    on_error: Literal["allow", "deny"] = Field(
        "allow", description="What limits do while redis is unreachable."
    )
    prefix: str = Field("sluicegate:", description="Prefix of every key in redis.")

    @model_validator(mode="after")
    def _redis_needs_url(self) -> StateConfig:
        if self.backend == "redis" and not self.url:
            raise ValueError('backend "redis" needs url = "redis://host:port/db"')
        if self.backend == "redis" and self.url:
            parse_state_url(self.url)  # every topology's form, checked at load
        if "{" in self.prefix or "}" in self.prefix:
            raise ValueError("prefix must not contain '{' or '}' (they are redis hash tags)")
        return self


class KeysConfig(Strict):
    url: str | None = Field(
        None,
        description='Durable store of keys, teams and spend: "sqlite:///<path>" (relative to '
        'config.toml) or "postgresql://user:pass@host:port/db". Unset: sluicegate.db beside '
        "config.toml.",
    )
    poll_interval: Duration = Field(
        0.25, gt=0, le=1.0,
        description="How often each instance asks the store whether keys changed (a change "
        "made on any instance takes effect everywhere within this, plus a reload of the keys).",
    )  # fmt: skip
    flush_interval: Duration = Field(
        0.5, gt=0, le=60.0, description="How often the spend ledger writes its batch."
    )
    team_metrics: list[str] = Field(
        [],
        description="Teams that get their own team label on sluicegate_team_* metrics; other "
        'teams are counted as "other". Empty: no team metrics (bounded label cardinality).',
    )

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite://", "postgresql://", "postgresql+")):
            raise ValueError(
                'expected "sqlite:///<path>" or "postgresql://user:password@host:port/database"'
            )
        return value or None


class RouteMatch(Strict):
    host: str | None = Field(None, description="Host header, exact or *.example.com")
    path: str | None = Field(None, description="Exact path.")
    path_prefix: str | None = None
    methods: list[str] | None = None
    headers: dict[str, str] | None = Field(None, description='name -> value ("*": present)')

    @field_validator("methods")
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return [m.upper() for m in value] if value is not None else None


class RouteConfig(Strict):
    name: str | None = None
    match: RouteMatch = RouteMatch()
    policy: str = Field(description="A policy file stem under policies/.")
    upstream: str = Field(description="Name of an [upstreams.*] table.")
    retry: bool = Field(True, description="false switches retries off on this route.")
    strip_prefix: str | None = Field(
        None,
        description=(
            "Removed from the path before the provider URL is built: with path_prefix "
            '"/internal/v1/" and strip_prefix "/internal", /internal/v1/chat/completions '
            "goes to base_url + /chat/completions. The match must imply it."
        ),
    )

    @model_validator(mode="after")
    def _strip_implied(self) -> RouteConfig:
        strip = self.strip_prefix
        if strip is None:
            return self
        if not strip.startswith("/") or strip.endswith("/"):
            raise ValueError("strip_prefix must start with / and not end with one")
        matched = self.match.path if self.match.path is not None else self.match.path_prefix
        if matched is None or not (matched == strip or matched.startswith(strip + "/")):
            raise ValueError(
                "strip_prefix must be a leading part of the route's match.path or "
                "match.path_prefix, so that every request the route takes has it"
            )
        return self


class LoggingConfig(Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    access_sample: float = Field(1.0, ge=0, le=1, description="Share of 2xx access lines kept.")


class Config(Strict):
    server: ServerConfig = ServerConfig()
    state: StateConfig = StateConfig()
    keys: KeysConfig = KeysConfig()
    logging: LoggingConfig = LoggingConfig()
    policies_dir: str = Field("policies", description="Folder of policy files (one per policy).")
    providers: dict[str, ProviderConfig] = {}
    upstreams: dict[str, UpstreamConfig] = {}
    routes: list[RouteConfig] = []
