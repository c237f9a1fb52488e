"""The one error shape every gateway-made response uses, and the exceptions that produce it.

OpenAI SDKs already parse ``{"error": {"type", "message", "code"}}``, so a client sees a
gateway refusal the same way it sees a provider's. Anything the gateway answers itself — a 404
for an unknown route, a plugin's 429, a 502 from a dead provider — goes through here.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

# Status -> the default ``type`` string, for errors raised without an explicit one.
DEFAULT_TYPES: Mapping[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    402: "budget_exceeded",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


class GatewayError(Exception):
    """An error the gateway answers itself, rendered in the JSON envelope.

    ``headers`` are added to the response (``Retry-After``, ``WWW-Authenticate``...).
    """

    def __init__(
        self,
        status: int,
        type: str | None = None,
        message: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.type = type or DEFAULT_TYPES.get(status, "error")
        self.message = message or self.type.replace("_", " ")
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.type}: {self.message}")


class PolicyError(GatewayError):
    """Raised by a plugin to refuse a request; the chain renders it and runs the onion back."""


def error_body(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """The envelope as bytes: ``{"error": {"type", "message", "code", "request_id"}}``."""
    return orjson.dumps(
        {"error": {"type": type, "message": message, "code": status, "request_id": request_id}}
    )


def sse_error_event(status: int, type: str, message: str, request_id: str | None) -> bytes:
    """A mid-stream failure as the OpenAI error shape in one SSE event, then ``[DONE]``.

    Once a stream has started the status line is gone, so the error travels in-band.
    """
    payload = error_body(status, type, message, request_id)
    return b"data: " + payload + b"\n\ndata: [DONE]\n\n"
