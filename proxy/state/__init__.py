"""Shared state for plugins: one small protocol, a memory backend and a redis backend.

The core builds one store per config load from ``[state]`` with ``create_store`` and hands
it to plugins as ``services.store``; see docs/state.md for the operator's view.
"""

from __future__ import annotations

from proxy.state.base import (
    NEVER,
    BackendErrorHook,
    GcraDecision,
    Lease,
    StateStore,
    StateUnavailable,
    coalesce,
)
from proxy.state.guard import GuardedStore, OnError
from proxy.state.memory import Clock, MemoryStore

__all__ = [
    "NEVER",
    "BackendErrorHook",
    "GcraDecision",
    "GuardedStore",
    "Lease",
    "MemoryStore",
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

    ``memory`` ignores ``url`` and ``prefix`` (nothing is shared, nothing can fail) and takes
    ``clock`` for tests. ``redis`` needs ``url`` (query options such as
    ``?socket_timeout=0.2`` override ``timeout``), uses the server's clock, and comes wrapped
    in ``GuardedStore`` so ``on_error`` applies. No connection is opened here: the first call
    (or ``ping``) connects, so building a store never blocks a config load.
    """
    if on_error not in ("allow", "deny"):
        raise ValueError(f'state.on_error must be "allow" or "deny", got {on_error!r}')
    policy: OnError = "allow" if on_error == "allow" else "deny"
    if backend == "memory":
        store = MemoryStore(clock=clock)
        store.on_backend_error = on_backend_error
        return store
    if backend == "redis":
        if not url:
            raise ValueError('state.url is required when state.backend = "redis"')
        from proxy.state.redis import RedisStore  # redis-py is only imported when used

        inner = RedisStore(url, prefix, timeout=timeout)
        return GuardedStore(inner, policy, on_backend_error)
    raise ValueError(f'state.backend must be "memory" or "redis", got {backend!r}')
