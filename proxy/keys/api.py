"""The admin API under ``/-/api/``: teams, keys, spend and the audit log, JSON in and out.

Served on the admin listener, behind the admin token like every admin route. Each change is
one store transaction with its audit entry (``store.py``); the instance that made it reloads
its keys at once, the others within one poll. Every refusal is the gateway's error envelope
with one more member, ``field``, naming what was wrong::

    {"error": {"type": "invalid_request", "message": "budget_usd: ...", "code": 400,
               "field": "budget_usd", "request_id": null}}

Lists are JSON arrays; ``limit`` (default 100, at most 1000) and ``offset`` page them, and
``X-Total-Count`` says how many there are in all.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from proxy.keys.errors import AdminError
from proxy.keys.models import KeyCreate, KeyRotate, KeyUpdate, TeamCreate, TeamUpdate
from proxy.keys.openapi import openapi_document
from proxy.keys.service import KeysService
from proxy.keys.spend import GROUPS

log = logging.getLogger("sluicegate.keys")
B = TypeVar("B", bound=BaseModel)
Handler = Callable[[Request], Awaitable[Response]]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ACTOR_HEADER = "x-sluicegate-actor"


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(payload), status, headers, media_type="application/json")


def error_response(error: AdminError) -> Response:
    body = {
        "error": {
            "type": error.type,
            "message": error.message,
            "code": error.status,
            "field": error.field,
            "request_id": None,
        }
    }
    return json_response(body, error.status)


def _bad(message: str, field: str | None) -> AdminError:
    return AdminError(400, "invalid_request", message, field)


def actor_of(request: Request, token_digest: str | None) -> str:
    """Who made a change: the admin credential (a digest prefix of the token, never the
    token), and the name a client gives in X-Sluicegate-Actor, if any."""
    credential = f"admin-token:{token_digest}" if token_digest else "admin (no token set)"
    named = (request.headers.get(ACTOR_HEADER) or "").strip()[:100]
    return f"{named} via {credential}" if named else credential


async def _body(request: Request, model: type[B]) -> B:
    raw = await request.body()
    try:
        payload = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        raise _bad("the body is not valid JSON", None) from None
    if not isinstance(payload, dict):
        raise _bad("the body must be a JSON object", None)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        if first["type"] == "extra_forbidden":
            raise _bad(f"unknown field {field!r}", field) from None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise _bad(f"{field}: {message}" if field else message, field) from None


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad(f"{name}: expected a whole number from {low} to {high}", name)
    return int(raw)


def _page(request: Request) -> tuple[int, int]:
    return _int_param(request, "limit", 100, 1, 1000), _int_param(request, "offset", 0, 0, 10**9)


def _listing(rows: list[dict[str, Any]], total: int, offset: int) -> Response:
    headers = {"X-Total-Count": str(total)}
    if offset + len(rows) < total:
        headers["X-Next-Offset"] = str(offset + len(rows))
    return json_response(rows, 200, headers)


def build_routes(service: KeysService, token_digest: str | None) -> list[BaseRoute]:
    store = service.store

    def guarded(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            try:
                if not service.opened:
                    await _open(service)
                return await handler(request)
            except AdminError as error:
                return error_response(error)
            except SQLAlchemyError as exc:  # the store went away under a call
                log.warning("admin API: keys store error: %s", exc)
                return error_response(
                    AdminError(503, "store_unavailable", "the keys store is unreachable", None)
                )

        return run

    async def change(work: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        result = await asyncio.to_thread(work, *args)
        await service.refresh()  # this instance sees its own change at once
        return result

    # -- teams -------------------------------------------------------------------------------

    async def create_team(request: Request) -> Response:
        body = await _body(request, TeamCreate)
        return json_response(await change(store.create_team, body, actor(request)), 201)

    async def list_teams(request: Request) -> Response:
        limit, offset = _page(request)
        rows, total = await asyncio.to_thread(store.list_teams, limit, offset)
        return _listing(rows, total, offset)

    async def get_team(request: Request) -> Response:
        return json_response(await asyncio.to_thread(store.team, request.path_params["name"]))

    async def update_team(request: Request) -> Response:
        body = await _body(request, TeamUpdate)
        name = request.path_params["name"]
        return json_response(await change(store.update_team, name, body, actor(request)))

    async def delete_team(request: Request) -> Response:
        name = request.path_params["name"]
        return json_response(await change(store.delete_team, name, actor(request)))

    # -- keys --------------------------------------------------------------------------------

    async def create_key(request: Request) -> Response:
        body = await _body(request, KeyCreate)
        return json_response(await change(store.create_key, body, actor(request)), 201)

    async def list_keys(request: Request) -> Response:
        limit, offset = _page(request)
        status = request.query_params.get("status", "all")
        if status not in ("all", "active", "revoked", "expired"):
            raise _bad('status: expected "all", "active", "revoked" or "expired"', "status")
        team = request.query_params.get("team")
        search = request.query_params.get("q")
        rows, total = await asyncio.to_thread(store.list_keys, team, status, limit, offset, search)
        return _listing(rows, total, offset)

    async def get_key(request: Request) -> Response:
        return json_response(await asyncio.to_thread(store.key, request.path_params["id"]))

    async def update_key(request: Request) -> Response:
        body = await _body(request, KeyUpdate)
        key_id = request.path_params["id"]
        return json_response(await change(store.update_key, key_id, body, actor(request)))

    async def revoke_key(request: Request) -> Response:
        key_id = request.path_params["id"]
        return json_response(await change(store.revoke_key, key_id, actor(request)))

    async def rotate_key(request: Request) -> Response:
        body = await _body(request, KeyRotate)
        key_id = request.path_params["id"]
        return json_response(await change(store.rotate_key, key_id, body, actor(request)))

    # -- spend and audit ---------------------------------------------------------------------

    async def spend(request: Request) -> Response:
        query = request.query_params
        groups = [g.strip() for g in query.get("group_by", "team").split(",") if g.strip()]
        for group in groups:
            if group not in GROUPS:
                raise _bad(
                    f"group_by: expected {', '.join(GROUPS)} (or several, with commas)", "group_by"
                )
        period = query.get("period", "month")
        if period not in ("day", "month"):
            raise _bad('period: expected "day" or "month"', "period")
        since, until = _range(query.get("month"), query.get("from"), query.get("to"))
        filters = {name: query[name] for name in GROUPS if name in query}
        await service.ledger.flush()  # what this instance counted so far is in the answer
        rows = await asyncio.to_thread(
            store.spend, list(dict.fromkeys(groups)), period, filters, since, until
        )
        wants_csv = query.get("format") == "csv" or "text/csv" in request.headers.get("accept", "")
        if query.get("format") not in (None, "json", "csv"):
            raise _bad('format: expected "json" or "csv"', "format")
        if wants_csv:
            return Response(_csv(rows, ["period", *dict.fromkeys(groups)]), media_type="text/csv")
        return json_response(rows)

    async def audit(request: Request) -> Response:
        limit, offset = _page(request)
        query = request.query_params
        rows, total = await asyncio.to_thread(
            store.list_audit, query.get("target"), query.get("action"), limit, offset
        )
        return _listing(rows, total, offset)

    async def openapi(request: Request) -> Response:
        return json_response(openapi_document())

    def actor(request: Request) -> str:
        return actor_of(request, token_digest)

    def route(path: str, handler: Handler, *methods: str) -> Route:
        return Route(path, guarded(handler), methods=list(methods))

    async def unknown(request: Request) -> Response:
        raise AdminError(
            404,
            "not_found",
            f"no admin API route {request.method} {request.url.path} (see /-/openapi.json)",
            None,
        )

    return [
        Route("/-/openapi.json", openapi, methods=["GET"]),
        route("/-/api/teams", create_team, "POST"),
        route("/-/api/teams", list_teams, "GET"),
        route("/-/api/teams/{name}", get_team, "GET"),
        route("/-/api/teams/{name}", update_team, "PATCH"),
        route("/-/api/teams/{name}", delete_team, "DELETE"),
        route("/-/api/keys", create_key, "POST"),
        route("/-/api/keys", list_keys, "GET"),
        route("/-/api/keys/{id}", get_key, "GET"),
        route("/-/api/keys/{id}", update_key, "PATCH"),
        route("/-/api/keys/{id}", revoke_key, "DELETE"),
        route("/-/api/keys/{id}/rotate", rotate_key, "POST"),
        route("/-/api/spend", spend, "GET"),
        route("/-/api/audit", audit, "GET"),
        route("/-/api/{rest:path}", unknown, "GET", "POST", "PUT", "PATCH", "DELETE"),
    ]


async def _open(service: KeysService) -> None:
    try:
        await service.open()
    except Exception as exc:
        raise AdminError(
            503, "store_unavailable", f"the keys store cannot be opened: {exc}", None
        ) from None


def token_digest(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else None


def _range(
    month: str | None, since: str | None, until: str | None
) -> tuple[str | None, str | None]:
    if month is not None:
        if not _MONTH.match(month):
            raise _bad('month: expected "YYYY-MM", e.g. "2026-12"', "month")
        return f"{month}-01", f"{month}-31"
    for name, value in (("from", since), ("to", until)):
        if value is not None:
            try:
                ok = bool(_DAY.match(value)) and bool(
                    datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
                )
            except ValueError:
                ok = False
            if not ok:
                raise _bad(f'{name}: expected a day "YYYY-MM-DD"', name)
    return since, until


def _csv(rows: list[dict[str, Any]], groups: list[str]) -> str:
    columns = [*groups, "requests", "input_tokens", "output_tokens", "total_tokens", "cost_usd"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
