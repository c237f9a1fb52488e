"""Shared state for plugins: one small protocol in slices, a memory and a redis backend.

The core builds one store per config load from ``[state]`` with ``create_store`` and hands
it to plugins as ``services.store``; see docs/state.md for the operator's view.
"""

from __future__ import annotations

from proxy.state.base import (
    NEVER,
    BackendErrorHook,
    Bans,
    Counters,
    GcraDecision,
    KeyValue,
    Leadership,
    Lease,
    Limiter,
    StateStore,
    StateUnavailable,
    coalesce,
)
from proxy.state.guard import GuardedStore, OnError
from proxy.state.memory import Clock, MemoryStore
from proxy.state.registry import BACKENDS, Backend, StateSettings

__all__ = [
    "BACKENDS",
    "NEVER",
    "Backend",
    "BackendErrorHook",
    "Bans",
    "Counters",
    "GcraDecision",
    "GuardedStore",
    "KeyValue",
    "Leadership",
    "Lease",
    "Limiter",
    "MemoryStore",
    "StateSettings",
    "StateStore",
    "StateUnavailable",
    "coalesce",
    "create_store",
]


def create_store(
    backend: str,
    url: str | None,
    on_error: str,
    prefix: str,
    clock: Clock | None = None,
    *,
    on_backend_error: BackendErrorHook | None = None,
    timeout: float = 0.5,
) -> StateStore:
    """Build the store ``[state]`` describes; raises ValueError on a bad combination.

    The backend comes from ``proxy.state.registry.BACKENDS``. ``memory`` ignores ``url`` and
    ``prefix`` (nothing is shared, nothing can fail) and takes ``clock`` for tests. ``redis``
    needs ``url`` — one node, ``redis+cluster://`` or ``redis+sentinel://``
    (``proxy.state.urls``); query options such as ``?socket_timeout=0.2`` override
    ``timeout`` — uses the server's clock, and comes wrapped in ``GuardedStore`` so
    ``on_error`` applies. No connection is opened here: the first call (or ``ping``)
    connects, so building a store never blocks a config load.
    """
    if on_error not in ("allow", "deny"):
        raise ValueError(f'state.on_error must be "allow" or "deny", got {on_error!r}')
    entry = BACKENDS.get(backend)
    if entry is None:
        names = " or ".join(f'"{name}"' for name in BACKENDS)
        raise ValueError(f"state.backend must be {names}, got {backend!r}")
    policy: OnError = "allow" if on_error == "allow" else "deny"
    settings = StateSettings(url, policy, prefix, timeout, clock, on_backend_error)
    return entry.build(settings)
