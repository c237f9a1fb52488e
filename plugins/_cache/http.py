"""The few parts of HTTP caching (RFC 9111) the gateway honours, for clients and providers.

- A client's ``Cache-Control: no-store`` means the exchange is neither answered from nor
  written to the cache; ``no-cache`` (and ``Pragma: no-cache``) means it is not answered from
  the cache, but the fresh response may refresh the entry.
- A provider's ``no-store`` is never stored; ``private`` only in a per-identity cache.
- A GET response is stored only with explicit freshness (``s-maxage`` or ``max-age`` > 0),
  never with ``no-cache`` (this cache does not revalidate) or ``Vary: *``.
"""

from __future__ import annotations

from dataclasses import dataclass


def directives(value: str | None) -> dict[str, str]:
    """``Cache-Control`` as a dict: ``"max-age=60, private"`` -> {"max-age": "60", "private": ""}.

    Directive names are lower-cased; quoted arguments lose their quotes.
    """
    found: dict[str, str] = {}
    if not value:
        return found
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            found[name.strip().lower()] = argument.strip().strip('"')
    return found


@dataclass(frozen=True, slots=True)
class RequestRule:
    """What the client allows: read the cache (``lookup``) and write it (``store``)."""

    lookup: bool
    store: bool
    reason: str | None  # why lookup is off: "no_store" | "no_cache"


def request_rule(cache_control: str | None, pragma: str | None) -> RequestRule:
    found = directives(cache_control)
    if "no-store" in found:
        return RequestRule(False, False, "no_store")
    if (
        "no-cache" in found
        or (found.get("max-age") == "0")
        or (pragma is not None and "no-cache" in pragma.lower() and cache_control is None)
    ):
        return RequestRule(False, True, "no_cache")
    return RequestRule(True, True, None)


def _seconds(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def response_ttl(
    cache_control: str | None, vary: str | None, *, shared: bool, default: float | None
) -> float | None:
    """Seconds a response may be kept, or None when it must not be stored.

    ``default`` is the TTL for responses without explicit freshness (the plugin's ``ttl``
    for AI responses); pass None for GET, where only explicit freshness counts.
    """
    found = directives(cache_control)
    if "no-store" in found or (shared and "private" in found):
        return None
    if vary is not None and "*" in vary:
        return None
    if default is None and "no-cache" in found:
        return None
    for name in ("s-maxage", "max-age") if shared else ("max-age",):
        if name in found:
            seconds = _seconds(found[name])
            if seconds is None or seconds <= 0:
                return None
            return float(seconds)
    return default


def vary_names(vary: str | None) -> list[str]:
    """The request headers a response varies on, lower-cased and sorted."""
    if not vary:
        return []
    return sorted({name.strip().lower() for name in vary.split(",") if name.strip()})
