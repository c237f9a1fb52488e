"""What every provider kind declares: the dialect it speaks, the client APIs it serves as they
are, how it authenticates, and where a request for one API and model goes.

A kind is a small class in a registry (``proxy.upstream.kinds.KINDS``), so adding one is a
new file, never another branch on ``type`` somewhere in the forwarding path. Everything that
differs between providers is one of these methods; the group, breakers and retries never ask
which kind they are talking to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from proxy.apis import ClientApi
from proxy.upstream.client import UpstreamClient, UpstreamResponse

if TYPE_CHECKING:
    from proxy.config.upstreams import ProviderConfig

Dialect = Literal["openai", "anthropic"]
OPENAI_APIS = frozenset(
    {
        "chat",
        "completions",
        "embeddings",
        "responses",
        "transcriptions",
        "translations",
        "speech",
        "images",
        "models",
    }
)


class ProviderKind:
    """The behaviour of one ``type`` of provider; one instance per configured provider."""

    name: ClassVar[str]
    description: ClassVar[str]
    dialect: ClassVar[Dialect] = "openai"
    native: ClassVar[frozenset[str]] = OPENAI_APIS
    needs_base_url: ClassVar[bool] = True
    needs_key: ClassVar[bool] = True
    default_base_url: ClassVar[str | None] = None

    def __init__(self, provider: str, config: ProviderConfig) -> None:
        self.provider = provider
        self.config = config
        base = config.base_url or self.default_base_url or f"mock://{provider}/v1"
        self.base_url = base.rstrip("/")
        key = config.api_key.get_secret_value() if config.api_key else ""
        self.auth = self.auth_headers(key) if key else []

    @classmethod
    def check(cls, config: ProviderConfig) -> None:
        """Refuse a config this kind cannot work with (a ValueError names the key)."""
        base = config.base_url or cls.default_base_url
        if cls.needs_base_url and not base:
            raise ValueError(f'type "{cls.name}" needs base_url = "https://…"')
        if config.base_url and not config.base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"base_url must start with http:// or https://, got {config.base_url!r}"
            )

    def client(self) -> UpstreamClient:
        from proxy.upstream.aiohttp_client import AiohttpClient

        return AiohttpClient(
            max_connections=self.config.max_connections, pool_wait=self.config.pool_wait
        )

    def auth_headers(self, key: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {key}")]

    def url(self, api: ClientApi | None, rest: str, model: str | None, query: bytes) -> str:
        """The provider URL for a request: ``rest`` is the gateway path after ``/v1``."""
        url = self.base_url + rest
        return f"{url}?{query.decode('latin-1')}" if query else url

    def adapt(self, response: UpstreamResponse) -> UpstreamResponse:
        """The provider's response as the gateway reads it (error shapes mapped)."""
        return response
