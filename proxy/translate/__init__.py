"""Translators between client APIs and provider dialects, by (client API, dialect)."""

from __future__ import annotations

from proxy.translate import chat_anthropic, messages_openai
from proxy.translate.base import Call, StreamTranslator, Translator, Untranslatable

TRANSLATORS: dict[tuple[str, str], Translator] = {
    (t.client, t.dialect): t for t in (chat_anthropic.TRANSLATOR, messages_openai.TRANSLATOR)
}

__all__ = ["TRANSLATORS", "Call", "StreamTranslator", "Translator", "Untranslatable"]
