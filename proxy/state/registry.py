"""State backends by name, with what each one can do: the one place ``[state] backend`` is read.

Adding a backend is its module plus one ``Backend`` entry here (and the docs); the config's
``backend`` names are checked against this table by a test, and code that cares whether state
is shared across processes asks ``BACKENDS[name].shared`` (or ``store.shared``), never the name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from proxy.state.base import BackendErrorHook, StateStore
from proxy.state.guard import GuardedStore, OnError
from proxy.state.memory import Clock, MemoryStore


@dataclass(frozen=True, slots=True)
class StateSettings:
    """What ``[state]`` says, in the form a backend factory takes."""

    url: str | None
    on_error: OnError
    prefix: str
    timeout: float = 0.5
    clock: Clock | None = None
    on_backend_error: BackendErrorHook | None = None


@dataclass(frozen=True, slots=True)
class Backend:
    """A state backend: its factory and declared capabilities."""

    name: str
    build: Callable[[StateSettings], StateStore]
    shared: bool
    """Other processes and instances see what it holds (exact fleet-wide limits)."""
    needs_url: bool


def _memory(settings: StateSettings) -> StateStore:
    store = MemoryStore(clock=settings.clock)
    store.on_backend_error = settings.on_backend_error
    return store


def _redis(settings: StateSettings) -> StateStore:
    from proxy.state.redis import RedisStore, connect  # the clients load only when used

    if not settings.url:
        raise ValueError('state.url is required when state.backend = "redis"')
    if "{" in settings.prefix or "}" in settings.prefix:
        raise ValueError("state prefix must not contain '{' or '}' (they are hash tags)")
    inner = RedisStore(connect(settings.url, settings.timeout), settings.prefix)
    return GuardedStore(inner, settings.on_error, settings.on_backend_error)


BACKENDS: dict[str, Backend] = {
    "memory": Backend("memory", _memory, shared=False, needs_url=False),
    "redis": Backend("redis", _redis, shared=True, needs_url=True),
}
