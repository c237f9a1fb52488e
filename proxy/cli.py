"""The command line: ``sluicegate serve | check | explain | test | schema | init``, and the
admin API's ``keys | teams | spend | audit | db`` (``proxy/keys/cli.py``).

``check`` is what an operator runs before a deploy: it loads everything ``serve`` would,
prints what each route does, and exits non-zero on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from proxy import __version__
from proxy.config.errors import ConfigError
from proxy.config.loader import LoadedConfig, load_config
from proxy.keys import cli as keys_cli
from proxy.scaffold import (
    TEMPLATES,
    InitError,
    builtin_config,
    builtin_writes_to_cwd,
    init,
    resolve_config,
)

# The admin API's OpenAPI document in docs/schema/ (``sluicegate schema``).
ADMIN_OPENAPI = "admin-api.openapi.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if getattr(args, "config", "-") is None:
        args.config = str(_default_config())
    try:
        code: int = args.func(args)
        return code
    except ConfigError as error:
        print(f"config error:\n{error}", file=sys.stderr)
        return 1
    except Exception as exc:  # an operator's command says what went wrong, in one line
        if args.command == "serve":
            raise
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sluicegate", description="A policy gateway for AI traffic."
    )
    parser.add_argument("--version", action="version", version=f"sluicegate {__version__}")
    commands = parser.add_subparsers(dest="command")

    def command(name: str, help: str, func: object) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "-c",
            "--config",
            default=None,
            help="config file (default: $SLUICEGATE_CONFIG, else ./config.toml, else built-in)",
        )
        sub.add_argument("--profile", default=None, help="overlay config.<profile>.toml")
        sub.set_defaults(func=func)
        return sub

    serve = command("serve", "Run the gateway.", _serve)
    serve.add_argument("--watch", action="store_true", help="reload when a config file changes")
    check = command(
        "check", "Validate the config and every policy it uses; print the routes.", _check
    )
    check.add_argument(
        "--connect",
        action="store_true",
        help="also connect to the state store and print its topology (exit 1 if unreachable)",
    )
    explain = command("explain", "Show what a policy does, plugin by plugin.", _explain)
    explain.add_argument("policy", nargs="?", help="policy name (default: every policy used)")
    test = command("test", "Run the [[tests]] of the policies against the mock provider.", _test)
    test.add_argument("policy", nargs="*", help="policy names (default: every policy used)")
    schema = command(
        "schema",
        "Write the JSON Schemas of config.toml and policy files, and the admin API's OpenAPI.",
        _schema,
    )
    schema.add_argument("--out", default="docs/schema", help="output folder")
    keys_cli.register(commands)
    init = commands.add_parser(
        "init", help="Write a starter config.toml and policies/.", description=_init.__doc__
    )
    init.add_argument("directory", help="where to write (created if missing)")
    init.add_argument("--template", choices=TEMPLATES, default="minimal")
    init.add_argument("--force", action="store_true", help="replace files already there")
    init.set_defaults(func=_init)
    return parser


def _default_config() -> Path:
    path = resolve_config(None)
    if path == builtin_config():
        builtin_writes_to_cwd(os.environ)
        print(
            "no ./config.toml and no $SLUICEGATE_CONFIG: using the built-in default "
            "(mock provider, default policy); `sluicegate init DIR` writes one to edit",
            file=sys.stderr,
        )
    return path


def _init(args: argparse.Namespace) -> int:
    """Write a starter config.toml and policies/ from a template (minimal: the built-in
    default; production: a public JWT API and an internal API-key API on redis)."""
    try:
        written = init(Path(args.directory), args.template, args.force)
    except InitError as error:
        print(f"init: {error}", file=sys.stderr)
        return 1
    for path in written.files:
        print(f"wrote {path}")
    config = written.directory / "config.toml"
    if written.env_names:
        print(f"secrets and settings come from the environment: {', '.join(written.env_names)}")
    if args.template == "production":
        print("keys.toml holds a demo key (sk-demo-internal-key): replace it before real use")
    print(f"next: sluicegate check -c {config} && sluicegate serve -c {config}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from proxy.server import ServeOptions, run

    return run(ServeOptions(args.config, args.profile, args.watch))


def _check(args: argparse.Namespace) -> int:
    import asyncio

    from proxy.preflight import preflight

    loaded = load_config(args.config, args.profile)
    for line in describe_routes(loaded):
        print(line)
    found = asyncio.run(preflight(loaded))
    for warning in [*loaded.warnings, *found.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    if found.errors:
        print("config error:\n" + "\n".join(found.errors), file=sys.stderr)
        return 1
    if not _check_state(loaded, args.connect):
        return 1
    print(keys_cli.describe_store(loaded))
    print(
        f"ok: config {loaded.version}, {len(loaded.config.routes)} routes, "
        f"{len(loaded.policies)} policies"
    )
    return 0


def _check_state(loaded: LoadedConfig, connect: bool) -> bool:
    """Print the state store line; with ``connect``, the discovered topology too."""
    import asyncio

    from proxy.state import StateUnavailable
    from proxy.state.urls import parse_state_url

    state = loaded.config.state
    from proxy.state.registry import BACKENDS

    if not BACKENDS[state.backend].shared or not state.url:
        print(f"state: {state.backend} (per process)")
        return True
    print(f"state: {state.backend} at {parse_state_url(state.url).redacted()}")
    if not connect:
        return True
    from proxy.state.redis import discover

    try:
        topology = asyncio.run(discover(state.url))
    except StateUnavailable as exc:
        print(f"state: cannot connect: {exc.message}", file=sys.stderr)
        return False
    for line in describe_topology(topology):
        print(f"  {line}")
    return True


def describe_topology(topology: dict[str, object]) -> list[str]:
    """One line per node: ``host:port role`` (slots of a master, primary of a replica)."""
    lines = []
    nodes = topology.get("nodes")
    for node in nodes if isinstance(nodes, list) else []:
        extra = f" ({node['slots']} slots)" if "slots" in node else ""
        extra += f" of {node['of']}" if "of" in node else ""
        lines.append(f"{node['node']} {node['role']}{extra}")
    return lines


def describe_routes(loaded: LoadedConfig) -> list[str]:
    """One line per route: match -> policy -> plugins -> upstream targets."""
    config = loaded.config
    lines = []
    for index, route in enumerate(config.routes):
        policy = loaded.policies[route.policy]
        plugins = ", ".join(_plugin_label(spec.entry) for spec in policy.plugins) or "no plugins"
        upstream = config.upstreams[route.upstream]
        targets = ", ".join(
            t.provider + ("" if config.providers[t.provider].enabled else " (disabled)")
            for t in upstream.targets
        )
        match = route.match.model_dump(exclude_none=True) or {"any": True}
        label = " ".join(f"{k}={v}" for k, v in match.items())
        lines.append(
            f"{route.name or f'route{index}'}: {label} -> policy {route.policy} -> "
            f"[{plugins}] -> {route.upstream} ({upstream.balance}: {targets})"
        )
    return lines


def _plugin_label(entry: object) -> str:
    use = getattr(entry, "use", "?")
    mode = getattr(entry, "mode", "enforce")
    return (
        use
        + (" (monitor)" if mode == "monitor" else "")
        + (" (when)" if getattr(entry, "when", None) else "")
    )


def _explain(args: argparse.Namespace) -> int:
    from proxy.explain import explain_policy

    loaded = load_config(args.config, args.profile)
    names = [args.policy] if args.policy else sorted(loaded.policies)
    for name in names:
        if name not in loaded.policies:
            print(
                f"no policy {name!r} is used by the config (used: "
                f"{', '.join(sorted(loaded.policies))})",
                file=sys.stderr,
            )
            return 1
        print(explain_policy(loaded.policies[name]))
    return 0


def _test(args: argparse.Namespace) -> int:
    import asyncio

    from proxy.observe.logging import setup_logging
    from proxy.policytest import run_policy_tests

    setup_logging("error")  # events are printed under each test instead
    loaded = load_config(args.config, args.profile)
    return asyncio.run(run_policy_tests(loaded, args.policy or None))


def _schema(args: argparse.Namespace) -> int:
    from proxy.config.schema import config_schema, policy_schema
    from proxy.keys.openapi import openapi_document

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    documents = {
        "config.schema.json": config_schema(),
        "policy.schema.json": policy_schema(),
        # The admin API's OpenAPI document: served behind admin_token at /-/openapi.json,
        # written here so clients can be generated without the token (docs/admin-api.md).
        ADMIN_OPENAPI: openapi_document(),
    }
    for name, document in documents.items():
        (out / name).write_text(json.dumps(document, indent=2) + "\n")
    print("wrote " + ", ".join(str(out / name) for name in documents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
