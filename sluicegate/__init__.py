"""sluicegate: the distribution's public face.

Third-party plugins import from :mod:`sluicegate.api` only; everything under ``proxy``,
``plugins`` and ``scanners`` is the implementation and may change between releases.

``__version__`` is the one place the version is written: ``pyproject.toml`` reads it
(``[tool.setuptools.dynamic]``), ``sluicegate --version`` prints it, ``/-/health`` and
``/-/status`` report it. ``templates/`` is package data: the built-in default config that
``sluicegate serve`` falls back to, and what ``sluicegate init`` writes.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
