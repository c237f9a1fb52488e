"""The plugin contract: the base class, its options model, the services it is given, the registry.

A plugin is a plain class with an ``Options`` model and up to four hooks. The base class does
nothing in each hook; the chain records which hooks a plugin overrides, so an absent hook costs
nothing per request. A method named ``on_*`` that is not a known hook fails at load: a typo must
not be silently ignored (mitmproxy's and Kong's ``getattr`` discovery silently ignores them).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response
from typing_extensions import TypeVar as DefaultTypeVar

from proxy.exchange import Exchange

if TYPE_CHECKING:
    import httpx
    from starlette.routing import BaseRoute

    from proxy.keys.directory import KeyDirectory
    from proxy.observe.metrics import Metrics
    from proxy.state.base import StateStore

ENTRY_POINT_GROUP = "sluicegate.plugins"
HOOKS = ("on_request", "on_response", "on_chunk", "on_complete")


class PluginOptions(BaseModel):
    """Base of every plugin's ``Options``: unknown keys are errors and options never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


T = TypeVar("T")


class Kept:
    """Objects plugins keep across reloads, by (owner, name).

    A reload builds every plugin anew. What the new runtime asks for again is handed over from
    the previous one; what it does not ask for stays with the old runtime and goes with it.
    """

    def __init__(self, previous: Kept | None = None) -> None:
        self._objects: dict[tuple[str, str], Any] = {}
        self._previous = dict(previous._objects) if previous is not None else {}

    def get(self, owner: str, name: str, make: Callable[[], T]) -> T:
        key = (owner, name)
        if key not in self._objects:
            found = self._previous.pop(key, None)
            self._objects[key] = found if found is not None else make()
        return cast(T, self._objects[key])

    def seal(self) -> None:
        """The runtime is built: let go of what it did not claim."""
        self._previous = {}


@dataclass
class Services:
    """What the gateway lends a plugin: the shared store, metrics, a logger, a clock, HTTP,
    and the runtime keys' directory.

    ``http`` is an httpx client for off-path calls (JWKS, health checks); it is created on
    first use so that plugins that never call out cost nothing. Each plugin gets its own view
    (``for_plugin``), so that ``keep`` knows whose objects it hands out; the view shares
    everything else with the runtime's services.
    """

    store: StateStore
    metrics: Metrics
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("sluicegate.plugin"))
    clock: Callable[[], float] = time.time
    http_factory: Callable[[], httpx.AsyncClient] | None = None
    kept: Kept = field(default_factory=Kept)
    # The keys from the durable store (``[keys]``), for ``api_key``'s ``source = "store"``.
    keys: KeyDirectory | None = None
    owner: str = ""
    _http: httpx.AsyncClient | None = None
    _parent: Services | None = None

    def for_plugin(self, owner: str) -> Services:
        """The view a plugin gets: ``owner`` is its place, e.g. ``"public[2]"``."""
        return replace(self, owner=owner, _http=None, _parent=self)

    def keep(self, name: str, make: Callable[[], T]) -> T:
        """An object that outlives reloads: after a reload the plugin at the same place (same
        policy, same position) gets the same object back for the same ``name``; ``make`` runs
        only the first time. Put whatever shapes the object into ``name`` (a size bound, a
        backend), so that an edited config gets a fresh one. For in-process caches."""
        return self.kept.get(self.owner, name, make)

    @property
    def http(self) -> httpx.AsyncClient:
        if self._parent is not None:
            return self._parent.http
        if self._http is None:
            if self.http_factory is None:
                import httpx

                self._http = httpx.AsyncClient(timeout=10.0)
            else:
                self._http = self.http_factory()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


OptionsT = DefaultTypeVar("OptionsT", bound=PluginOptions, default=PluginOptions)


class Plugin(Generic[OptionsT]):
    """Base class of every policy plugin. Override only the hooks you need.

    ``Plugin[MyOptions]`` types ``self.options`` as ``MyOptions`` (define the options model
    first); the built-in plugins nest theirs as ``Options`` and redeclare ``options: Options``.

    - ``on_request``: request phase, in policy-file order. Return ``None`` to go on, or a
      ``Response`` to answer now; raise ``PolicyError`` to refuse.
    - ``on_response``: response phase, reverse order; status and headers are mutable on ``ex``.
    - ``on_chunk``: streaming body filter, reverse order; return the bytes to pass on. It is
      called once per upstream chunk with ``end=False`` and a last time with ``end=True``
      (that chunk may be empty).
    - ``on_complete``: once, after the last byte, an error or a disconnect; it never delays
      the client and its exceptions are logged, not surfaced.
    - ``close``: when the gateway stops or a reload retires this plugin's runtime.
    """

    name: ClassVar[str] = ""
    Options: ClassVar[type[PluginOptions]] = PluginOptions
    needs_request_body: ClassVar[bool] = False
    # True for plugins whose decisions live in the state store (limits, bans): `check` warns
    # when they run on the memory backend with several workers.
    uses_shared_state: ClassVar[bool] = False

    options: OptionsT

    def __init__(self, options: OptionsT, services: Services) -> None:
        self.options = options
        self.services = services
        self.mode = "enforce"

    @property
    def monitoring(self) -> bool:
        """True when the policy runs this plugin in ``mode = "monitor"`` (record, don't act)."""
        return self.mode == "monitor"

    async def on_request(self, ex: Exchange) -> Response | None:
        return None

    async def on_response(self, ex: Exchange) -> None:
        return None

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        return chunk

    async def on_complete(self, ex: Exchange) -> None:
        return None

    async def close(self) -> None:
        return None

    def admin_routes(self) -> list[BaseRoute]:
        """Starlette routes this plugin adds to the admin listener (revocation, bans...)."""
        return []

    def describe(self) -> dict[str, Any]:
        """What ``/-/status`` and ``sluicegate explain`` show for this plugin (no secrets)."""
        return {}

    def tiers_granted(self) -> frozenset[str]:
        """The tiers this plugin can give a caller (``identity.tier``), for ``check``'s
        cross-check: an ``api_key``'s key file lists them. ``ANY_TIER`` when they are not
        known before a request (a JWT claim, keys created at runtime); empty: sets none."""
        return frozenset()

    def tiers_named(self) -> frozenset[str]:
        """The tier names this plugin's options refer to (per-tier limits), for ``check``:
        a name no caller can have is a typo or a leftover, and ``check`` says so."""
        return frozenset()


# What ``tiers_granted`` answers when any tier may turn up (so nothing is called unused).
ANY_TIER = frozenset({"*"})


class PluginLoadError(Exception):
    """A plugin cannot be found or is malformed."""


def implemented_hooks(cls: type[Plugin]) -> tuple[str, ...]:
    """The hooks ``cls`` overrides; an ``on_*`` attribute that is no hook is an error."""
    for attr in dir(cls):
        if attr.startswith("on_") and attr not in HOOKS:
            raise PluginLoadError(
                f"plugin {cls.__name__!r} defines {attr!r}, which is not a hook "
                f"(known hooks: {', '.join(HOOKS)})"
            )
    return tuple(h for h in HOOKS if getattr(cls, h) is not getattr(Plugin, h))


class Registry:
    """Finds plugin classes by name (entry points) or by dotted path (``pkg.mod:Class``)."""

    def __init__(self, extra: dict[str, type[Plugin]] | None = None) -> None:
        self._by_name: dict[str, type[Plugin]] = dict(extra or {})
        self._entry_points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}

    def names(self) -> list[str]:
        return sorted(set(self._by_name) | set(self._entry_points))

    def resolve(self, use: str) -> type[Plugin]:
        if use in self._by_name:
            return self._by_name[use]
        if ":" in use:
            cls = _import_dotted(use)
        elif use in self._entry_points:
            try:
                cls = self._entry_points[use].load()
            except Exception as exc:
                raise PluginLoadError(f"plugin {use!r} failed to import: {exc}") from exc
        else:
            raise PluginLoadError(
                f"unknown plugin {use!r}; expected one of {', '.join(self.names())} "
                f'or a dotted path "package.module:Class"'
            )
        plugin = _check_plugin_class(use, cls)
        implemented_hooks(plugin)
        self._by_name[use] = plugin
        return plugin


def _import_dotted(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginLoadError(f"cannot import plugin module {module_name!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise PluginLoadError(f"module {module_name!r} has no attribute {attr!r}") from None


def _check_plugin_class(use: str, cls: Any) -> type[Plugin]:
    if not (isinstance(cls, type) and issubclass(cls, Plugin)):
        raise PluginLoadError(f"{use!r} is not a sluicegate Plugin subclass")
    if not (isinstance(cls.Options, type) and issubclass(cls.Options, PluginOptions)):
        raise PluginLoadError(f"plugin {use!r}: Options must subclass PluginOptions")
    return cls
