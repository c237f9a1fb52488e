"""The admin console: server-rendered pages under ``/-/ui`` on the admin listener
(docs/console.md). ``console_routes`` is what ``proxy.admin`` mounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from proxy.console.app import Console, Handler, routes
from proxy.console.keys import (
    create_key,
    create_team,
    delete_team,
    keys_page,
    revoke_key,
    rotate_key,
    update_key,
    update_team,
)
from proxy.console.overview import overview
from proxy.console.security import security_page, unban
from proxy.console.session import Sessions
from proxy.console.spend import spend_csv, spend_page

if TYPE_CHECKING:
    from proxy.app import Gateway

PAGES: list[tuple[str, Handler, str]] = [
    ("/overview", overview, "GET"),
    ("/keys", keys_page, "GET"),
    ("/keys", create_key, "POST"),
    ("/keys/{id}/update", update_key, "POST"),
    ("/keys/{id}/rotate", rotate_key, "POST"),
    ("/keys/{id}/revoke", revoke_key, "POST"),
    ("/teams", create_team, "POST"),
    ("/teams/{name}/update", update_team, "POST"),
    ("/teams/{name}/delete", delete_team, "POST"),
    ("/spend", spend_page, "GET"),
    ("/spend.csv", spend_csv, "GET"),
    ("/security", security_page, "GET"),
    ("/bans/unban", unban, "POST"),
]


def console_routes(gateway: Gateway, token: str | None) -> list[BaseRoute]:
    sessions = Sessions(token) if token else None
    return routes(Console(gateway, sessions, token), PAGES)
