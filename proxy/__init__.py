"""sluicegate: a policy gateway for AI traffic (the implementation; see ``sluicegate``)."""

from sluicegate import __version__

__all__ = ["__version__"]
