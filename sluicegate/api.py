"""The public plugin API: everything a third-party plugin needs, from one module.

``from sluicegate.api import Plugin, PluginOptions, Services, Exchange, PolicyError`` is the
contract; names here are kept stable across releases, the modules they come from are not.
"""

from proxy.errors import PolicyError
from proxy.exchange import Exchange, Identity, Usage
from proxy.plugin import Plugin, PluginOptions, Services

__all__ = ["Exchange", "Identity", "Plugin", "PluginOptions", "PolicyError", "Services", "Usage"]
