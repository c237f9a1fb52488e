"""Reads config.toml, its profile overlay and the policy files it uses, into checked models.

Everything that can be wrong is found here, at load, and reported all at once with the file
and key path; nothing on the request path ever re-validates.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from proxy.config.errors import ConfigError, Problem, from_validation
from proxy.config.models import Config
from proxy.config.policyfile import PluginEntry, PolicyFile
from proxy.plugin import Plugin, PluginLoadError, PluginOptions, Registry
from proxy.state.registry import BACKENDS

log = logging.getLogger("sluicegate.config")

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class PluginSpec:
    """One ``[[plugins]]`` entry, resolved: the class, its checked options, chain-level keys."""

    entry: PluginEntry
    cls: type[Plugin]
    options: PluginOptions


@dataclass(frozen=True)
class Policy:
    name: str
    file: str
    model: PolicyFile
    plugins: list[PluginSpec]


@dataclass(frozen=True)
class LoadedConfig:
    """A config that passed every check, with the policies its routes use."""

    path: Path
    config: Config
    policies: dict[str, Policy]
    version: str
    warnings: list[str] = field(default_factory=list)
    disabled_providers: list[str] = field(default_factory=list)


def load_config(
    path: str | os.PathLike[str],
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> LoadedConfig:
    """Load and check everything; raise ConfigError listing every problem found."""
    path = Path(path)
    # The config's own folder, for paths that must not depend on the working directory
    # (``keys_file = "${SLUICEGATE_CONFIG_DIR}/keys.toml"``); always the loader's, never the env's.
    env = {
        **(os.environ if env is None else env),
        "SLUICEGATE_CONFIG_DIR": str(path.parent.resolve()),
    }
    registry = registry or Registry()
    profile = profile or env.get("SLUICEGATE_PROFILE") or None
    digest = hashlib.sha256()

    raw = _interpolate(_read_toml(path, digest), str(path), "", env)
    if profile:
        overlay_path = path.with_name(f"{path.stem}.{profile}{path.suffix}")
        if not overlay_path.is_file():
            raise ConfigError.one(str(overlay_path), "", f"profile {profile!r} has no overlay file")
        overlay = _interpolate(_read_toml(overlay_path, digest), str(overlay_path), "", env)
        raw = _merge(raw, overlay)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(from_validation(exc, str(path), model=Config)) from None

    problems = _check_references(config, str(path))
    policies_dir = (path.parent / config.policies_dir).resolve()
    policies: dict[str, Policy] = {}
    for index, route in enumerate(config.routes):
        if route.policy in policies:
            continue
        policy_path = policies_dir / f"{route.policy}.toml"
        if not policy_path.is_file():
            known = sorted(p.stem for p in policies_dir.glob("*.toml"))
            problems.append(
                Problem(
                    str(path),
                    f"routes[{index}].policy",
                    f"no policy file {_show(policy_path)} "
                    f"(known policies: {', '.join(known) or 'none'})",
                )
            )
            continue
        try:
            policies[route.policy] = load_policy(policy_path, env, registry, digest)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)

    disabled = sorted(name for name, p in config.providers.items() if not p.enabled)
    digest.update(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS, default=str))
    return LoadedConfig(
        path,
        config,
        policies,
        digest.hexdigest()[:12],
        _warnings(config, policies, disabled),
        disabled,
    )


def load_policy(
    path: Path, env: Mapping[str, str], registry: Registry, digest: Any = None
) -> Policy:
    """One policy file: its plugins resolved and their options checked."""
    file = _show(path)
    raw = _interpolate(_read_toml(path, digest, file), file, "", env)
    try:
        model = PolicyFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(from_validation(exc, file, model=PolicyFile)) from None
    problems: list[Problem] = []
    specs: list[PluginSpec] = []
    for index, entry in enumerate(model.plugins):
        where = f"plugins[{index}]"
        try:
            cls = registry.resolve(entry.use)
        except PluginLoadError as exc:
            problems.append(Problem(file, f"{where}.use", str(exc)))
            continue
        try:
            options = cls.Options.model_validate(entry.model_extra or {})
        except ValidationError as exc:
            problems.extend(from_validation(exc, file, where, model=cls.Options))
            continue
        specs.append(PluginSpec(entry, cls, options))
    if problems:
        raise ConfigError(problems)
    return Policy(path.stem, file, model, specs)


def _read_toml(path: Path, digest: Any, name: str | None = None) -> dict[str, Any]:
    name = name or _show(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError.one(name, "", f"cannot read file: {exc.strerror}") from None
    if digest is not None:
        digest.update(data)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError.one(name, "", f"invalid TOML: {exc}") from None


def _interpolate(value: Any, file: str, path: str, env: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string; ``$$`` is a literal ``$``."""
    if isinstance(value, dict):
        return {
            k: _interpolate(v, file, f"{path}.{k}" if path else k, env) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_interpolate(v, file, f"{path}[{i}]", env) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError.one(
            file,
            path,
            f"environment variable {name} is not set "
            f"(write ${{{name}:-default}} to give a default)",
        )

    return _VARIABLE.sub(substitute, value)


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value in the overlay replaces the base's."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_references(config: Config, file: str) -> list[Problem]:
    problems = []
    for name, upstream in config.upstreams.items():
        for index, target in enumerate(upstream.targets):
            if target.provider not in config.providers:
                problems.append(
                    Problem(
                        file,
                        f"upstreams.{name}.targets[{index}].provider",
                        f"unknown provider {target.provider!r} (known: "
                        f"{', '.join(sorted(config.providers)) or 'none'})",
                    )
                )
    for index, route in enumerate(config.routes):
        if route.upstream not in config.upstreams:
            problems.append(
                Problem(
                    file,
                    f"routes[{index}].upstream",
                    f"unknown upstream {route.upstream!r} (known: "
                    f"{', '.join(sorted(config.upstreams)) or 'none'})",
                )
            )
    return problems


def _warnings(config: Config, policies: dict[str, Policy], disabled: list[str]) -> list[str]:
    warnings = [f"provider {name!r} is disabled (empty api_key)" for name in disabled]
    for name, upstream in config.upstreams.items():
        if all(t.provider in disabled for t in upstream.targets):
            warnings.append(f"upstream {name!r} has no enabled target: its routes answer 503")
    admin = config.server.admin_listen
    if admin and config.server.admin_token is None and not _loopback(admin):
        warnings.append(
            f"server.admin_listen {admin!r} is reachable from other hosts and server.admin_token "
            "is not set: anyone who reaches it can read the status, reload, lift bans"
        )
    if not BACKENDS[config.state.backend].shared and config.server.workers > 1:
        stateful = sorted(
            {
                spec.entry.use
                for p in policies.values()
                for spec in p.plugins
                if getattr(spec.cls, "uses_shared_state", False)
            }
        )
        if stateful:
            warnings.append(
                f"state.backend is memory with {config.server.workers} workers: each worker "
                f"keeps its own counts, so the limits of {', '.join(stateful)} multiply by the "
                f'number of workers; use backend = "redis" for exact limits'
            )
    return warnings


def _loopback(address: str) -> bool:
    host = address.rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _show(path: Path) -> str:
    """A path as the operator wrote it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
