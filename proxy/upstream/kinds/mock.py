"""``mock``: deterministic OpenAI-compatible answers, in-process, for demos and tests."""

from __future__ import annotations

from typing import ClassVar

from proxy.upstream.client import UpstreamClient
from proxy.upstream.kinds.base import ProviderKind
from proxy.upstream.mock import MockClient


class MockKind(ProviderKind):
    name = "mock"
    description = "Built in: answers in-process, no key, no network."
    needs_base_url: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False

    def client(self) -> UpstreamClient:
        config = self.config
        return MockClient(
            models=sorted(set(config.models.values())) if config.models else None,
            latency=config.latency,
            fail_rate=config.fail_rate,
            status=config.status,
            stream_delay=config.stream_delay,
        )
