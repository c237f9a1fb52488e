"""``openai``: any OpenAI-compatible API (OpenAI, Groq, OpenRouter, Hugging Face, vLLM...)."""

from __future__ import annotations

from proxy.upstream.kinds.base import ProviderKind


class OpenAIKind(ProviderKind):
    name = "openai"
    description = "Any OpenAI-compatible API: Bearer key, paths under base_url."
