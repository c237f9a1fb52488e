"""Keys and teams: list, create (the secret shown once), change limits and budgets, rotate,
revoke. Every change goes through the admin API (``client.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proxy.console.forms import FormError, limits_body, text
from proxy.console.render import HEADERS, page
from proxy.console.session import Session

if TYPE_CHECKING:
    from proxy.console.app import Console

KEY_FIELDS = ("name", "team", "tier", "models", "rpm", "tpm", "budget_usd", "budget_period")
# The limits a key and a team share (the change forms send these).
KEY_LIMITS = TEAM_FIELDS = ("models", "rpm", "tpm", "budget_usd", "budget_period")
DONE = {
    "revoked": "The key is revoked: it is refused from now on.",
    "updated": "Saved.",
    "team-created": "The team is created.",
    "team-updated": "The team is saved.",
    "team-deleted": "The team is deleted.",
}


async def _lists(console: Console, request: Request) -> dict[str, Any]:
    status = request.query_params.get("status", "all")
    params = {"status": status if status in ("all", "active", "revoked", "expired") else "all"}
    for name in ("q", "team"):
        if request.query_params.get(name):
            params[name] = request.query_params[name]
    keys = await console.client.call("GET", "/-/api/keys", params={**params, "limit": "1000"})
    teams = await console.client.call("GET", "/-/api/teams", params={"limit": "1000"})
    problem = next((a.error for a in (keys, teams) if not a.ok), None)
    return {
        "keys": keys.body if keys.ok else [],
        "teams": teams.body if teams.ok else [],
        "filter_status": params["status"],
        "filter_q": params.get("q", ""),
        "filter_team": params.get("team", ""),
        "problem": problem,
    }


async def _show(
    console: Console,
    request: Request,
    session: Session,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = await _lists(console, request)
    if extra.get("problem"):
        context["problem"] = extra.pop("problem")
    done = DONE.get(request.query_params.get("done", ""))
    return page("keys.html", status, session=session, nav="keys", done=done, **context, **extra)


def _back(done: str) -> Response:
    return RedirectResponse(f"/-/ui/keys?done={quote(done)}", 303, headers=HEADERS)


async def keys_page(console: Console, request: Request, session: Session) -> Response:
    return await _show(console, request, session)


async def create_key(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    try:
        body = limits_body(form, KEY_FIELDS, clear_blank=False)
    except FormError as exc:
        return await _show(console, request, session, 400, problem=str(exc))
    answer = await console.client.call("POST", "/-/api/keys", body)
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return await _show(console, request, session, 200, created=answer.body)


async def _change_limits(
    console: Console, request: Request, session: Session, path: str, done: str
) -> Response:
    """PATCH the limits a form sent (blank clears one) and go back to the list."""
    form = await request.form()
    try:
        body = limits_body(form, KEY_LIMITS, clear_blank=True)
    except FormError as exc:
        return await _show(console, request, session, 400, problem=str(exc))
    answer = await console.client.call("PATCH", path, body)
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return _back(done)


async def update_key(console: Console, request: Request, session: Session) -> Response:
    path = f"/-/api/keys/{quote(request.path_params['id'])}"
    return await _change_limits(console, request, session, path, "updated")


async def rotate_key(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    key_id = request.path_params["id"]
    overlap = text(form, "overlap_seconds") or "0"
    if not overlap.isdigit():
        return await _show(console, request, session, 400, problem="overlap: whole seconds")
    body = {"overlap_seconds": int(overlap)}
    answer = await console.client.call("POST", f"/-/api/keys/{quote(key_id)}/rotate", body)
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return await _show(console, request, session, 200, created=answer.body, rotated=True)


async def revoke_key(console: Console, request: Request, session: Session) -> Response:
    key_id = request.path_params["id"]
    answer = await console.client.call("DELETE", f"/-/api/keys/{quote(key_id)}")
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return _back("revoked")


async def create_team(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    try:
        body = {"name": text(form, "name"), **limits_body(form, TEAM_FIELDS, clear_blank=False)}
    except FormError as exc:
        return await _show(console, request, session, 400, problem=str(exc))
    answer = await console.client.call("POST", "/-/api/teams", body)
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return _back("team-created")


async def update_team(console: Console, request: Request, session: Session) -> Response:
    path = f"/-/api/teams/{quote(request.path_params['name'])}"
    return await _change_limits(console, request, session, path, "team-updated")


async def delete_team(console: Console, request: Request, session: Session) -> Response:
    """Refused by the API (409, shown) while the team has active keys."""
    name = request.path_params["name"]
    answer = await console.client.call("DELETE", f"/-/api/teams/{quote(name)}")
    if not answer.ok:
        return await _show(console, request, session, 400, problem=answer.error)
    return _back("team-deleted")
