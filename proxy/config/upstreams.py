"""The upstream half of config.toml: providers, their prices and health probes, and the
groups that balance, retry, break and time out across them (docs/resilience.md).

Split from ``proxy.config.models`` by job: these are the tables the upstream layer
(``proxy.upstream``) reads; models.py composes them into the whole file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from proxy.config.types import Duration, Strict, registered
from proxy.upstream.balancer import BALANCERS
from proxy.upstream.kinds import KINDS


class Pricing(Strict):
    input: float = Field(0.0, ge=0, description="USD per 1M input tokens.")
    output: float = Field(0.0, ge=0, description="USD per 1M output tokens.")
    per_image: float | None = Field(
        None, ge=0, description="USD per generated image (image models that report no tokens)."
    )
    per_second: float | None = Field(
        None, ge=0, description="USD per second of audio transcribed or translated."
    )
    per_1m_characters: float | None = Field(
        None, ge=0, description="USD per 1M characters of text turned into speech."
    )


class HealthCheckConfig(Strict):
    path: str = Field("/models", description="Path under base_url to probe with GET ('/...').")
    interval: Duration = Field(10.0, gt=0, description="Time between two probes.")
    timeout: Duration = Field(2.0, gt=0, description="Longest wait for a probe's answer.")
    healthy_threshold: int = Field(
        2, ge=1, description="Good probes in a row that mark an unhealthy provider healthy."
    )
    unhealthy_threshold: int = Field(
        3, ge=1, description="Failed probes in a row that mark a healthy provider unhealthy."
    )

    @field_validator("path")
    @classmethod
    def _rooted(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f'must start with "/" (it is appended to base_url), got {value!r}')
        return value


class ProviderConfig(Strict):
    type: str = Field(
        description="The provider kind (docs/providers.md): openai (any OpenAI-compatible "
        "API), anthropic, azure, mock.",
        json_schema_extra={"enum": list(KINDS)},
    )
    base_url: str | None = Field(
        None,
        description="API root, e.g. https://api.groq.com/openai/v1; azure: "
        "https://<resource>.openai.azure.com; anthropic: defaults to https://api.anthropic.com/v1",
    )
    api_key: SecretStr | None = Field(None, description="Empty disables the provider.")
    api_version: str | None = Field(
        None,
        description="anthropic: the anthropic-version header (2023-06-01); azure: the "
        "api-version query parameter (2024-10-21).",
    )
    auth: Literal["key", "bearer"] = Field(
        "key",
        description='azure: "key" sends api_key in the api-key header, "bearer" as an '
        "Authorization bearer token (e.g. an Entra ID token from the environment).",
    )
    default_max_tokens: int = Field(
        4096,
        ge=1,
        description="anthropic: max_tokens sent when a translated OpenAI request has none "
        "(the Messages API requires it).",
    )
    headers: dict[str, str] = Field({}, description="Extra headers sent to this provider.")
    models: dict[str, str] | None = Field(
        None,
        description="Public alias -> provider model (azure: deployment name). Without it "
        "names pass through.",
    )
    pricing: dict[str, Pricing] = Field({}, description="Provider model -> prices.")
    max_connections: int = Field(
        100,
        ge=1,
        description="Connection pool size to this provider: one per request in flight (a "
        "stream holds one for its whole length).",
    )
    pool_wait: Duration = Field(
        5.0,
        ge=0,
        description="Longest wait for a free pool connection when all max_connections are "
        "busy; past it the request gets 503 with Retry-After (or another target).",
    )
    rpm: int | None = Field(None, ge=1, description="Requests per minute this provider allows.")
    tpm: int | None = Field(None, ge=1, description="Tokens per minute this provider allows.")
    health: HealthCheckConfig | None = None
    latency: Duration = Field(0.0, description="mock: delay before answering.")
    fail_rate: float = Field(0.0, ge=0, le=1, description="mock: share of requests that fail.")
    status: int = Field(200, ge=100, le=599, description="mock: status of the failures/answers.")
    stream_delay: Duration = Field(0.0, description="mock: delay between streamed chunks.")

    @field_validator("type")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return registered(value, KINDS, "provider type")

    @model_validator(mode="after")
    def _kind_accepts(self) -> ProviderConfig:
        KINDS[self.type].check(self)
        return self

    @property
    def enabled(self) -> bool:
        return not KINDS[self.type].needs_key or bool(
            self.api_key and self.api_key.get_secret_value()
        )


class TargetConfig(Strict):
    provider: str = Field(description="Name of a [providers.*] table.")
    weight: int = Field(1, ge=1, le=1000)


RetryOutcome = Literal["connect", "timeout"] | Annotated[int, Field(ge=400, le=599)]


class RetryConfig(Strict):
    attempts: int = Field(3, ge=1, le=10, description="Tries in all, the first included.")
    backoff: Duration = 0.1
    max_backoff: Duration = 2.0
    budget: float = Field(0.2, ge=0, le=1, description="Retries at most this share of requests.")
    on: list[RetryOutcome] = ["connect", "timeout", 429, 500, 502, 503, 504, 529]


class BreakerConfig(Strict):
    failures: int = Field(5, ge=1, description="Consecutive failures that open the breaker.")
    error_rate: float = Field(0.5, gt=0, le=1)
    window: Duration = 30.0
    min_requests: int = Field(20, ge=1)
    open_for: Duration = 30.0
    half_open: int = Field(2, ge=1, description="Probe requests let through when half open.")
    shared: bool = Field(
        False,
        description="Share open/close moves through the state store (a fleet learns "
        "together; useful with the redis backend).",
    )
    sync_interval: Duration = Field(
        1.0, gt=0, description="How often shared breaker states are read from the store."
    )


class TimeoutsConfig(Strict):
    connect: Duration = 2.0
    first_byte: Duration = 30.0
    total: Duration = 300.0
    idle: Duration = Field(60.0, description="Longest silence between two streamed chunks.")


class AdmissionConfig(Strict):
    max_in_flight: int = Field(256, ge=1)
    queue: int = Field(1024, ge=0)
    max_wait: Duration = 5.0
    priority: str | None = Field(
        None, description='Where priority comes from: "identity.tier" or "header.<name>".'
    )
    priorities: dict[str, int] = Field({}, description="tier/header value -> priority number.")

    @field_validator("priority")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is None or value == "identity.tier":
            return value
        if value.startswith("header.") and len(value) > len("header."):
            return value
        raise ValueError(f'expected "identity.tier" or "header.<name>", got {value!r}')


class UpstreamConfig(Strict):
    balance: str = Field(
        "round_robin",
        description="Which target takes the next attempt (docs/resilience.md).",
        json_schema_extra={"enum": list(BALANCERS)},
    )
    targets: list[TargetConfig] = Field(min_length=1)
    retry: RetryConfig = RetryConfig()
    breaker: BreakerConfig = BreakerConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()
    admission: AdmissionConfig | None = None

    @field_validator("balance")
    @classmethod
    def _known_balancer(cls, value: str) -> str:
        return registered(value, BALANCERS, "balancer")
