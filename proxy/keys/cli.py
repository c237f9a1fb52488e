"""``sluicegate keys | teams | spend | audit | db``: the admin API from a shell.

Every command but ``db upgrade`` talks to a running gateway's admin listener over HTTP:
``--admin-url`` (or ``SLUICEGATE_ADMIN_URL``, default http://127.0.0.1:9901) and
``--token`` (or ``SLUICEGATE_ADMIN_TOKEN``). Output is a plain table, or the API's JSON
with ``--json``; a refusal prints the API's message and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from proxy.config.loader import LoadedConfig

Func = Callable[[argparse.Namespace], int]
KEY_COLUMNS = ("id", "prefix", "team", "status", "models", "rpm", "tpm", "budget_usd", "expires_at")
TEAM_COLUMNS = ("name", "budget_usd", "budget_period", "rpm", "tpm", "models", "active_keys")
SPEND_TOTALS = ("requests", "input_tokens", "output_tokens", "cost_usd")


def register(commands: Any) -> None:
    """Add the commands to ``sluicegate``'s sub-parsers."""

    def group(name: str, help: str) -> Any:
        parser = commands.add_parser(name, help=help, description=help)
        return parser.add_subparsers(dest=f"{name}_command", required=True)

    def action(sub: Any, name: str, help: str, func: Func) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
        _connection(parser)
        parser.set_defaults(func=func)
        return parser

    keys = group("keys", "Create, list, change, revoke and rotate runtime API keys.")
    create = action(keys, "create", "Create a key; its secret is printed once.", _keys_create)
    _limits(create, key=True)
    listing = action(keys, "list", "List keys.", _keys_list)
    listing.add_argument("--team", help="only this team's keys")
    listing.add_argument("--status", choices=["all", "active", "revoked", "expired"], default="all")
    show = action(keys, "show", "Show one key.", _keys_show)
    show.add_argument("id")
    update = action(keys, "update", "Change a key's limits, team or expiry.", _keys_update)
    update.add_argument("id")
    _limits(update, key=True, defaults=False)
    revoke = action(keys, "revoke", "Revoke a key (refused everywhere within a second).", _revoke)
    revoke.add_argument("id")
    rotate = action(keys, "rotate", "Give a key a new secret; the old one works a while.", _rotate)
    rotate.add_argument("id")
    rotate.add_argument(
        "--overlap", default="1h", help='how long the old secret works: "10m", "1h", 0'
    )

    teams = group("teams", "Create, list, change and delete teams.")
    team_create = action(teams, "create", "Create a team.", _teams_create)
    team_create.add_argument("name")
    _limits(team_create, key=False)
    action(teams, "list", "List teams.", _teams_list)
    team_show = action(teams, "show", "Show one team.", _teams_show)
    team_show.add_argument("name")
    team_update = action(teams, "update", "Change a team's budget or limits.", _teams_update)
    team_update.add_argument("name")
    _limits(team_update, key=False, defaults=False)
    team_delete = action(teams, "delete", "Delete a team that has no active keys.", _teams_delete)
    team_delete.add_argument("name")

    spend = commands.add_parser("spend", help="Spend per team, key, model or provider.")
    _connection(spend)
    spend.add_argument("--team", help="only this team")
    spend.add_argument("--key", help="only this key id")
    spend.add_argument("--model", help="only this model")
    spend.add_argument("--month", help="YYYY-MM, e.g. 2026-12")
    spend.add_argument("--from", dest="since", help="first day, YYYY-MM-DD")
    spend.add_argument("--to", dest="until", help="last day, YYYY-MM-DD")
    spend.add_argument("--group-by", default=None, help="team, key, model, provider (commas)")
    spend.add_argument("--period", choices=["day", "month"], default="month")
    spend.add_argument("--csv", action="store_true", help="CSV instead of a table")
    spend.set_defaults(func=_spend)

    audit = commands.add_parser("audit", help="The admin audit log, newest first.")
    _connection(audit)
    audit.add_argument("--target", help="only changes of this key id or team name")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=_audit)

    db = group("db", "The keys store's schema.")
    upgrade = db.add_parser("upgrade", help="Migrate the [keys] store to the newest schema.")
    upgrade.add_argument("-c", "--config", default="config.toml", help="config file")
    upgrade.add_argument("--profile", default=None, help="overlay config.<profile>.toml")
    upgrade.set_defaults(func=_db_upgrade)


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--admin-url",
        "--url",
        default=os.environ.get("SLUICEGATE_ADMIN_URL", "http://127.0.0.1:9901"),
        help="the gateway's admin listener (env SLUICEGATE_ADMIN_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("SLUICEGATE_ADMIN_TOKEN") or None,
        help="the admin token (env SLUICEGATE_ADMIN_TOKEN)",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON")


def _limits(parser: argparse.ArgumentParser, *, key: bool, defaults: bool = True) -> None:
    if key:
        parser.add_argument("--team", help="the team's name")
        parser.add_argument("--name", help="a label for people")
        parser.add_argument("--tier", help="identity.tier of the key's callers")
        parser.add_argument("--expires-at", help="ISO 8601 time, e.g. 2026-12-31T00:00:00Z")
    parser.add_argument("--models", help="allowed model aliases, comma-separated")
    parser.add_argument("--rpm", type=int, help="requests per minute")
    parser.add_argument("--tpm", type=int, help="tokens per minute")
    parser.add_argument("--budget-usd", type=float, help="USD per budget period")
    parser.add_argument("--budget-period", choices=["day", "month"])


def _body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("team", "name", "tier", "expires_at", "rpm", "tpm", "budget_usd", "budget_period"):
        value = getattr(args, name, None)
        if value is not None:
            body[name] = value
    if getattr(args, "models", None) is not None:
        body["models"] = [m.strip() for m in args.models.split(",") if m.strip()]
    return body


class Refused(Exception):
    pass


def _call(
    args: argparse.Namespace,
    method: str,
    path: str,
    body: Any = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = {"authorization": f"Bearer {args.token}"} if args.token else {}
    url = args.admin_url.rstrip("/") + path
    try:
        response = httpx.request(method, url, json=body, params=params, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise Refused(f"cannot reach the admin API at {args.admin_url}: {exc}") from None
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            raise Refused(f"{response.status_code} {error['type']}: {error['message']}")
        except (ValueError, KeyError, TypeError):
            raise Refused(f"{response.status_code}: {response.text[:200]}") from None
    return response


def _run(work: Callable[[argparse.Namespace], int]) -> Func:
    def run(args: argparse.Namespace) -> int:
        try:
            return work(args)
        except Refused as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return run


def _print(args: argparse.Namespace, payload: Any, columns: Sequence[str]) -> int:
    if args.json:
        print(json.dumps(payload, indent=2))
        return 0
    rows = payload if isinstance(payload, list) else [payload]
    table = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in table)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


@_run
def _keys_create(args: argparse.Namespace) -> int:
    made = _call(args, "POST", "/-/api/keys", _body(args)).json()
    if args.json:
        print(json.dumps(made, indent=2))
        return 0
    print(f"id:  {made['id']}\nkey: {made['key']}")
    print("Keep the key now: it is stored hashed and never shown again.", file=sys.stderr)
    return 0


@_run
def _keys_list(args: argparse.Namespace) -> int:
    params = {"status": args.status, "limit": 1000}
    if args.team:
        params["team"] = args.team
    return _print(args, _call(args, "GET", "/-/api/keys", params=params).json(), KEY_COLUMNS)


@_run
def _keys_show(args: argparse.Namespace) -> int:
    return _print(args, _call(args, "GET", f"/-/api/keys/{args.id}").json(), KEY_COLUMNS)


@_run
def _keys_update(args: argparse.Namespace) -> int:
    changed = _call(args, "PATCH", f"/-/api/keys/{args.id}", _body(args)).json()
    return _print(args, changed, KEY_COLUMNS)


@_run
def _revoke(args: argparse.Namespace) -> int:
    return _print(args, _call(args, "DELETE", f"/-/api/keys/{args.id}").json(), KEY_COLUMNS)


@_run
def _rotate(args: argparse.Namespace) -> int:
    body = {"overlap": args.overlap}
    made = _call(args, "POST", f"/-/api/keys/{args.id}/rotate", body).json()
    if args.json:
        print(json.dumps(made, indent=2))
        return 0
    print(f"id:  {made['id']}\nkey: {made['key']}")
    print(f"The old key works until {made['previous_expires_at'] or 'now'}.", file=sys.stderr)
    return 0


@_run
def _teams_create(args: argparse.Namespace) -> int:
    made = _call(args, "POST", "/-/api/teams", {"name": args.name, **_body(args)}).json()
    return _print(args, made, TEAM_COLUMNS)


@_run
def _teams_list(args: argparse.Namespace) -> int:
    teams = _call(args, "GET", "/-/api/teams", params={"limit": 1000}).json()
    return _print(args, teams, TEAM_COLUMNS)


@_run
def _teams_show(args: argparse.Namespace) -> int:
    return _print(args, _call(args, "GET", f"/-/api/teams/{args.name}").json(), TEAM_COLUMNS)


@_run
def _teams_update(args: argparse.Namespace) -> int:
    changed = _call(args, "PATCH", f"/-/api/teams/{args.name}", _body(args)).json()
    return _print(args, changed, TEAM_COLUMNS)


@_run
def _teams_delete(args: argparse.Namespace) -> int:
    return _print(args, _call(args, "DELETE", f"/-/api/teams/{args.name}").json(), TEAM_COLUMNS)


@_run
def _spend(args: argparse.Namespace) -> int:
    group_by = args.group_by or ("key" if args.team else "team")
    params: dict[str, Any] = {"group_by": group_by, "period": args.period}
    for name, value in (
        ("team", args.team),
        ("key", args.key),
        ("model", args.model),
        ("month", args.month),
        ("from", args.since),
        ("to", args.until),
    ):
        if value:
            params[name] = value
    if args.csv:
        print(_call(args, "GET", "/-/api/spend", params={**params, "format": "csv"}).text, end="")
        return 0
    rows = _call(args, "GET", "/-/api/spend", params=params).json()
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    return _print(args, rows, ["period", *groups, *SPEND_TOTALS])


@_run
def _audit(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    if args.target:
        params["target"] = args.target
    rows = _call(args, "GET", "/-/api/audit", params=params).json()
    return _print(args, rows, ("at", "actor", "action", "target_type", "target_id"))


def describe_store(loaded: LoadedConfig) -> str:
    """``sluicegate check``'s line for the keys store (the URL without its password)."""
    from proxy.keys.db import redact, resolve_url

    url = resolve_url(loaded.config.keys.url, Path(loaded.path).parent)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    return f"keys: {kind} at {redact(url)}"


def _db_upgrade(args: argparse.Namespace) -> int:
    from proxy.config.loader import load_config
    from proxy.keys.db import HEAD, make_engine, redact, resolve_url, upgrade

    loaded = load_config(args.config, args.profile)
    url = resolve_url(loaded.config.keys.url, Path(loaded.path).parent)
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print(f"{redact(url)}: schema at revision {HEAD}")
    return 0
