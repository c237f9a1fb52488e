"""sluicegate: the distribution's public face.

Third-party plugins import from :mod:`sluicegate.api` only; everything under ``proxy``,
``plugins`` and ``scanners`` is the implementation and may change between releases.
"""

from proxy import __version__

__all__ = ["__version__"]
