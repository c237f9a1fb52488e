"""The client APIs the gateway serves, by path: how each is metered and how its errors look.

A client speaks one API (OpenAI chat completions, Anthropic Messages, the Responses API,
audio, images...) and expects every answer in that API's shape — including the gateway's own
refusals and a stream that breaks half-way — because that is what its SDK parses into typed
errors. So the API is decided once from the path, and the error renderers, the usage meter and
the translators all look it up here instead of testing paths themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import orjson

ErrorRenderer = Callable[[int, str, str, str | None], bytes]
BodyFormat = Literal["json", "multipart"]
MeterMode = Literal["tokens", "speech", "images", "none"]


def openai_error(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """``{"error": {"type", "message", "code", "request_id"}}``: what OpenAI SDKs parse."""
    return orjson.dumps(
        {"error": {"type": type, "message": message, "code": status, "request_id": request_id}}
    )


def openai_stream_error(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """A chat stream's failure: the error envelope in one data event, then ``[DONE]``."""
    return b"data: " + openai_error(status, type, message, request_id) + b"\n\ndata: [DONE]\n\n"


# Anthropic's documented error types by HTTP status; the SDK picks its exception class by
# status and exposes ``error.type``. The gateway's own word travels in details.error_code.
ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def anthropic_type(status: int) -> str:
    return ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def anthropic_error(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """``{"type": "error", "error": {"type", "message", "details"}, "request_id"}``."""
    error = {"type": anthropic_type(status), "message": message, "details": {"error_code": type}}
    return orjson.dumps({"type": "error", "error": error, "request_id": request_id})


def anthropic_stream_error(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """Anthropic's in-stream failure: an ``error`` event (the SDK raises on it)."""
    return b"event: error\ndata: " + anthropic_error(status, type, message, request_id) + b"\n\n"


def responses_stream_error(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """The Responses API's ``error`` event: ``{"type": "error", "code", "message", "param"}``."""
    event = {
        "type": "error",
        "code": type,
        "message": message,
        "param": None,
        "sequence_number": 0,
        "request_id": request_id,
    }
    return b"event: error\ndata: " + orjson.dumps(event) + b"\n\n"


# eq=False: each API is one entry of ``APIS``, so identity is equality, and hashing one (a
# cache key per request) need not hash its seven fields.
@dataclass(frozen=True, slots=True, eq=False)
class ClientApi:
    """One API a client may call. ``suffix`` is how its path ends (after ``/v1``)."""

    name: str
    suffix: str
    dialect: Literal["openai", "anthropic"] = "openai"
    body: BodyFormat = "json"
    meter: MeterMode = "tokens"
    # The gateway asks streaming requests for a final usage event (chat completions only).
    usage_event: bool = False
    error: ErrorRenderer = openai_error
    stream_error: ErrorRenderer = openai_stream_error


APIS: tuple[ClientApi, ...] = (
    ClientApi("chat", "/chat/completions", usage_event=True),
    ClientApi("completions", "/completions", usage_event=True),
    ClientApi("embeddings", "/embeddings"),
    ClientApi("responses", "/responses", stream_error=responses_stream_error),
    ClientApi(
        "messages",
        "/messages",
        dialect="anthropic",
        error=anthropic_error,
        stream_error=anthropic_stream_error,
    ),
    # Claude Code asks it before long requests; only Anthropic providers can answer it.
    ClientApi(
        "count_tokens",
        "/messages/count_tokens",
        dialect="anthropic",
        meter="none",
        error=anthropic_error,
        stream_error=anthropic_stream_error,
    ),
    ClientApi("transcriptions", "/audio/transcriptions", body="multipart"),
    ClientApi("translations", "/audio/translations", body="multipart"),
    ClientApi("speech", "/audio/speech", meter="speech"),
    ClientApi("images", "/images/generations", meter="images"),
    ClientApi("models", "/models", meter="none"),
)
BY_NAME = {api.name: api for api in APIS}
# Longest suffix first: "/chat/completions" must win over "/completions".
_BY_SUFFIX = sorted(APIS, key=lambda api: len(api.suffix), reverse=True)
_SUFFIXES = tuple(api.suffix for api in _BY_SUFFIX)


@functools.lru_cache(maxsize=1024)  # asked several times per request, for few distinct paths
def client_api(path: str) -> ClientApi | None:
    """The API a path calls, None for anything else (passed through, not metered)."""
    if not path.endswith(_SUFFIXES):
        return None
    for api in _BY_SUFFIX:
        if path.endswith(api.suffix):
            return api
    return None  # pragma: no cover - the tuple test above already matched one


def error_for(path: str) -> tuple[ErrorRenderer, ErrorRenderer]:
    """The (JSON, in-stream) error renderers for a request path."""
    api = client_api(path)
    if api is None:
        return openai_error, openai_stream_error
    return api.error, api.stream_error
