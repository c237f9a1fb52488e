"""How an attempt's outcome reads to the client and to the metrics: the gateway's error for a
provider that could not be reached, timed out or was busy, and the label of each outcome."""

from __future__ import annotations

from proxy.errors import GatewayError
from proxy.upstream.client import UpstreamBusy, UpstreamError


def status_class(status: int) -> str:
    label = _CLASSES.get(status)  # every answer labels one attempt: looked up, not formatted
    return label if label is not None else f"{status // 100}xx"


_CLASSES = {status: "429" if status == 429 else f"{status // 100}xx" for status in range(100, 600)}


def error_kind(error: GatewayError) -> str:
    if error.type == "provider_busy":
        return "busy"
    return "timeout" if error.status == 504 else "connect"


def busy_error(exc: UpstreamBusy) -> GatewayError:
    return GatewayError(
        503,
        "provider_busy",
        "every connection to the provider is in use; retry later",
        {"Retry-After": str(max(1, round(exc.retry_after)))},
    )


def as_gateway_error(exc: UpstreamError) -> GatewayError:
    if exc.kind == "timeout":
        return GatewayError(504, "upstream_timeout", "the provider did not answer in time")
    return GatewayError(502, "upstream_unavailable", "the provider could not be reached")
