"""Which config a command uses when none is named, and ``sluicegate init``.

An installed wheel has no checkout beside it, so the default config and policy ship inside the
package (``sluicegate/templates/``, package data): ``pip install sluicegate && sluicegate
serve`` answers on the mock provider with no file written. A command takes ``-c`` first, then
``$SLUICEGATE_CONFIG`` (what the container image sets), then ``./config.toml``, then that
built-in. ``sluicegate init DIR`` copies a template out so there is something to edit.

The templates are the repository's own files (``config.toml`` + ``policies/default.toml``,
and ``examples/production/``) reached through symlinks, which the sdist and wheel builds
resolve into real files: one copy of each to keep right, checked by the same tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

TEMPLATES = ("minimal", "production")
_ENV_NAMES = re.compile(r'\$\{([A-Za-z_][A-Za-z0-9_]*)|\b\w+_env\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"')
_SET_BY_LOADER = frozenset({"SLUICEGATE_CONFIG_DIR"})


class InitError(Exception):
    """``init`` refused to write (nothing was written)."""


def template_dir(name: str) -> Path:
    """The folder of a shipped template: ``config.toml`` plus ``policies/``."""
    if name not in TEMPLATES:
        raise InitError(f"unknown template {name!r} (known: {', '.join(TEMPLATES)})")
    return Path(str(files("sluicegate"))) / "templates" / name


def resolve_config(explicit: str | None, env: Mapping[str, str] | None = None) -> Path:
    """``-c`` if given, else ``$SLUICEGATE_CONFIG``, else ``./config.toml``, else built-in."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("SLUICEGATE_CONFIG"):
        return Path(env["SLUICEGATE_CONFIG"])
    here = Path("config.toml")
    return here if here.is_file() else builtin_config()


def builtin_config() -> Path:
    return template_dir("minimal") / "config.toml"


def builtin_writes_to_cwd(env: MutableMapping[str, str]) -> None:
    """The built-in config is package data (site-packages may be read-only, and is no place for
    state): the keys store it opens goes to the working directory, unless
    ``SLUICEGATE_KEYS_URL`` already says where."""
    env.setdefault("SLUICEGATE_KEYS_URL", f"sqlite:///{Path.cwd().resolve() / 'sluicegate.db'}")


@dataclass(frozen=True)
class Written:
    directory: Path
    files: list[Path]
    env_names: list[str]


def init(directory: Path, template: str, force: bool = False) -> Written:
    """Copy a template into ``directory``; refuse (writing nothing) if a file is in the way."""
    source = template_dir(template)
    sources = sorted(p for p in source.rglob("*.toml") if p.is_file())
    targets = [directory / p.relative_to(source) for p in sources]
    if not force:
        taken = [t for t in targets if t.exists()]
        if taken:
            raise InitError(
                "would overwrite " + ", ".join(str(t) for t in taken) + " (use --force to replace)"
            )
    names: set[str] = set()
    for src, target in zip(sources, targets, strict=True):
        text = src.read_text(encoding="utf-8")
        names.update(a or b for a, b in _ENV_NAMES.findall(text))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)  # a file is either the old one or the whole new one
    return Written(directory, targets, sorted(names - _SET_BY_LOADER))
