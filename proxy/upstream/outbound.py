"""What the gateway forwards before a target is chosen, and its translation per target.

A group's targets may speak different APIs (an OpenAI client in front of an Anthropic
provider): before the attempts begin, each candidate that needs it gets the request
re-spoken in its own dialect, once, and a candidate that cannot take the request at all
(``Untranslatable``) drops out. When every target speaks the client's API, nothing is built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from proxy.apis import ClientApi
from proxy.jsonbytes import dumps_kept
from proxy.translate import Call, Translator, Untranslatable
from proxy.upstream.provider import Provider
from proxy.upstream.target import Target


@dataclass(slots=True)
class Outbound:
    """What the gateway forwards, before a target is chosen."""

    method: str
    path: str
    query: bytes
    headers: list[tuple[str, str]]
    body: bytes | AsyncIterator[bytes] | None
    payload: dict[str, Any] | None
    alias: str | None
    retry: bool = True
    usage_injected: bool = False
    api: ClientApi | None = None
    # multipart/form-data: the boundary, so the form's ``model`` field can be mapped
    boundary: bytes | None = None
    # False: ``headers`` hold no traceparent/tracestate (``proxy.forward.UpstreamHeaders``);
    # True: they may (a tracer then looks).
    propagation: bool = True


@dataclass(slots=True)
class Translated:
    """A request re-spoken for one target's dialect."""

    translator: Translator
    call: Call
    body: bytes


def plan_translations(
    out: Outbound, candidates: list[Target], providers: Mapping[Target, Provider]
) -> tuple[list[Target], dict[Target, Translated]]:
    """The candidates that can take this request, and the translated bodies of those
    whose provider speaks another dialect. Nothing to do when every target speaks the
    client's API (the plain path: one dict lookup per target)."""
    plans: dict[Target, Translated] = {}
    able: list[Target] = []
    refusal: Untranslatable | None = None
    for target in candidates:
        provider = providers[target]
        try:
            translator = provider.translator(out.api)
            if translator is not None:
                plans[target] = _translate(out, target, provider, translator)
        except Untranslatable as error:
            refusal = refusal or error
            continue
        able.append(target)
    if not able and refusal is not None:
        raise refusal
    return able, plans


def _translate(
    out: Outbound, target: Target, provider: Provider, translator: Translator
) -> Translated:
    payload = out.payload
    if payload is None:
        raise Untranslatable("a request body that is not a JSON object", translator.wire.name)
    options = payload.get("stream_options")
    call = Call(
        model=target.serves(out.alias) if out.alias else None,
        stream=bool(payload.get("stream")),
        include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
        default_max_tokens=provider.config.default_max_tokens,
    )
    body = dumps_kept(translator.request(payload, call))
    return Translated(translator, call, body)
