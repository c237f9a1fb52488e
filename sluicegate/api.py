"""The public plugin API: everything a third-party plugin needs, from one module.

``from sluicegate.api import Plugin, PluginOptions, Services, Exchange, PolicyError`` is the
contract; names here are kept stable across releases, the modules they come from are not.
The test kit is :mod:`sluicegate.testing` (also re-exported here), and
``load_config``/``Registry`` let a package's tests load a policy that uses its plugin exactly
as ``sluicegate check`` would.

- the plugin: ``Plugin`` (base class, hooks), ``PluginOptions`` (its ``Options`` base),
  ``Services`` (store, metrics, log, clock, http, keep), ``ANY_TIER``;
- option types: ``Duration`` ("30s", "5m"), ``ByteSize`` ("1MiB");
- the request: ``Exchange`` (``is_json``, ``has_body``, ``route_name``, ``state_for``...),
  ``BODY_METHODS``, ``Identity``, ``Usage``, ``SecurityEvent``;
- answers and errors: ``Response`` (Starlette's), ``PolicyError`` (a refusal in the error
  envelope), ``GatewayError``;
- the shared state: ``StateStore`` (what ``services.store`` offers), ``StateUnavailable``.
"""

from starlette.responses import Response

from proxy.config.loader import load_config
from proxy.config.types import ByteSize, Duration
from proxy.errors import GatewayError, PolicyError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.plugin import ANY_TIER, Plugin, PluginLoadError, PluginOptions, Registry, Services
from proxy.records import Identity, SecurityEvent, Usage
from proxy.state import StateStore, StateUnavailable
from sluicegate import testing

__all__ = [
    "ANY_TIER",
    "BODY_METHODS",
    "ByteSize",
    "Duration",
    "Exchange",
    "GatewayError",
    "Identity",
    "Plugin",
    "PluginLoadError",
    "PluginOptions",
    "PolicyError",
    "Registry",
    "Response",
    "SecurityEvent",
    "Services",
    "StateStore",
    "StateUnavailable",
    "Usage",
    "load_config",
    "testing",
]
