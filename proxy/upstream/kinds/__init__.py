"""The provider kinds: ``type`` in a ``[providers.*]`` table names one of these classes."""

from __future__ import annotations

from proxy.upstream.kinds.anthropic import AnthropicKind
from proxy.upstream.kinds.azure import AzureKind
from proxy.upstream.kinds.base import ProviderKind
from proxy.upstream.kinds.mock import MockKind
from proxy.upstream.kinds.openai import OpenAIKind

KINDS: dict[str, type[ProviderKind]] = {
    kind.name: kind for kind in (OpenAIKind, MockKind, AnthropicKind, AzureKind)
}

__all__ = ["KINDS", "ProviderKind"]
