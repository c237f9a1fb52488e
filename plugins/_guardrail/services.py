"""The HTTP guardrail services `guardrail` speaks to, one adapter per API shape.

Each adapter turns a text into one request and the answer into a `Verdict`; a malformed
answer raises `GuardrailError`, which the plugin treats like a timeout (fail open or closed,
as configured). Adding a shape is one class and one `ADAPTERS` entry.

- `openai_moderation`: `POST {url}` `{"model"?, "input": text}` -> `results[].flagged` and
  `categories` (OpenAI's `/v1/moderations`, and the many services that copy it);
- `llama_guard`: a Llama-Guard-style classifier behind an OpenAI-compatible chat endpoint
  (vLLM, Ollama, TGI...): the text is the user turn, the answer's first line is `safe` or
  `unsafe` and the second lists the violated categories (`S1,S10`);
- `presidio`: Presidio analyzer's `POST /analyze` `{"text", "language", "entities"?,
  "score_threshold"}` -> a list of `{entity_type, start, end, score}`; any entity flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx


class GuardrailError(Exception):
    """The service could not give a verdict (unreachable, timed out, error, bad answer)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    flagged: bool
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to call the service: built once from the plugin's options."""

    url: str
    model: str | None
    headers: dict[str, str]
    timeout: float
    language: str
    entities: tuple[str, ...]
    score_threshold: float


class Adapter(Protocol):
    def body(self, target: Target, text: str) -> dict[str, Any]: ...

    def verdict(self, answer: Any) -> Verdict: ...


class OpenAIModeration:
    def body(self, target: Target, text: str) -> dict[str, Any]:
        return {"input": text, **({"model": target.model} if target.model else {})}

    def verdict(self, answer: Any) -> Verdict:
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or not results:
            raise GuardrailError("moderation answer without results")
        flagged = False
        categories: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("flagged"), bool):
                raise GuardrailError("moderation result without a boolean 'flagged'")
            flagged |= result["flagged"]
            cats = result.get("categories")
            if isinstance(cats, dict):
                categories.update(str(k) for k, v in cats.items() if v is True)
        return Verdict(flagged, tuple(sorted(categories)) if flagged else ())


class LlamaGuard:
    def body(self, target: Target, text: str) -> dict[str, Any]:
        return {
            "model": target.model or "llama-guard",
            "messages": [{"role": "user", "content": text}],
            "max_tokens": 24,
            "temperature": 0,
        }

    def verdict(self, answer: Any) -> Verdict:
        try:
            content = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise GuardrailError("classifier answer without choices[0].message.content") from None
        if not isinstance(content, str):
            raise GuardrailError("classifier content is not text")
        lines = [ln.strip() for ln in content.strip().splitlines() if ln.strip()]
        head = lines[0].lower() if lines else ""
        if head == "safe":
            return Verdict(False)
        if head == "unsafe":
            cats = tuple(c.strip() for c in lines[1].split(",")) if len(lines) > 1 else ()
            return Verdict(True, cats)
        raise GuardrailError("classifier answered neither 'safe' nor 'unsafe'")


class Presidio:
    def body(self, target: Target, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "text": text,
            "language": target.language,
            "score_threshold": target.score_threshold,
        }
        if target.entities:
            body["entities"] = list(target.entities)
        return body

    def verdict(self, answer: Any) -> Verdict:
        if not isinstance(answer, list):
            raise GuardrailError("analyzer answer is not a list")
        types = {r.get("entity_type") for r in answer if isinstance(r, dict)}
        found = tuple(sorted(str(t) for t in types if t))
        return Verdict(bool(found), found)


ADAPTERS: dict[str, Adapter] = {
    "openai_moderation": OpenAIModeration(),
    "llama_guard": LlamaGuard(),
    "presidio": Presidio(),
}


async def ask(client: httpx.AsyncClient, kind: str, target: Target, text: str) -> Verdict:
    """One call to the service; every failure is a `GuardrailError` naming what went wrong."""
    adapter = ADAPTERS[kind]
    try:
        response = await client.post(
            target.url,
            json=adapter.body(target, text),
            headers=target.headers,
            timeout=httpx.Timeout(target.timeout),
        )
    except httpx.TimeoutException:
        raise GuardrailError("timed out") from None
    except httpx.HTTPError as exc:
        raise GuardrailError(type(exc).__name__) from None
    if response.status_code != 200:
        raise GuardrailError(f"status {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise GuardrailError("answer is not JSON") from None
    return adapter.verdict(answer)
