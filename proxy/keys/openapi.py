"""The OpenAPI 3.1 document of the admin API, served at ``/-/openapi.json``.

Request schemas are the pydantic models the API validates with, so the document and the
checks cannot disagree; responses are described here once.
"""

from __future__ import annotations

import functools
from typing import Any

from proxy import __version__
from proxy.keys.models import KeyCreate, KeyRotate, KeyUpdate, TeamCreate, TeamUpdate

_MODELS = (TeamCreate, TeamUpdate, KeyCreate, KeyUpdate, KeyRotate)
_N = {"type": ["number", "null"]}
_I = {"type": ["integer", "null"]}
_S = {"type": ["string", "null"]}
_LIMITS = {
    "models": {"type": ["array", "null"], "items": {"type": "string"}},
    "rpm": _I,
    "tpm": _I,
    "budget_usd": _N,
    "budget_period": {"enum": ["day", "month"]},
    "metadata": {"type": "object"},
}
_SCHEMAS: dict[str, Any] = {
    "Team": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            **_LIMITS,
            "active_keys": {"type": "integer"},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
        },
    },
    "Key": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": _S,
            "team": _S,
            "prefix": {"type": "string"},
            "status": {"enum": ["active", "revoked", "expired"]},
            "tier": _S,
            **_LIMITS,
            "expires_at": _S,
            "revoked_at": _S,
            "previous_expires_at": _S,
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
        },
    },
    "KeyWithSecret": {
        "allOf": [
            {"$ref": "#/components/schemas/Key"},
            {
                "type": "object",
                "properties": {
                    "key": {
                        "type": "string",
                        "description": "The secret: shown this once, stored hashed.",
                    }
                },
            },
        ]
    },
    "SpendRow": {
        "type": "object",
        "properties": {
            "period": {"type": "string"},
            "team": {"type": "string"},
            "key": {"type": "string"},
            "model": {"type": "string"},
            "provider": {"type": "string"},
            "requests": {"type": "integer"},
            "input_tokens": {"type": "integer"},
            "output_tokens": {"type": "integer"},
            "total_tokens": {"type": "integer"},
            "cost_usd": {"type": "number"},
        },
    },
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string"},
            "actor": {"type": "string"},
            "action": {"type": "string"},
            "target_type": {"type": "string"},
            "target_id": {"type": "string"},
            "detail": {"type": "object"},
        },
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "integer"},
                    "field": _S,
                    "request_id": _S,
                },
            }
        },
    },
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Bad input; error.field names it"),
    "401": _json(_ref("Error"), "Missing or wrong admin token"),
    "404": _json(_ref("Error"), "No such team or key"),
    "409": _json(_ref("Error"), "Conflicts with what is stored (duplicate name, revoked key)"),
}
_PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]


def _op(
    summary: str,
    ok: dict[str, Any],
    body: str | None = None,
    status: str = "200",
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok, **_ERRORS}}
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if parameters:
        op["parameters"] = parameters
    return op


def _list(name: str) -> dict[str, Any]:
    return _json({"type": "array", "items": _ref(name)})


@functools.cache
def openapi_document() -> dict[str, Any]:
    schemas = dict(_SCHEMAS)
    for model in _MODELS:
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    by_name = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    by_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    spend_params: list[dict[str, Any]] = [
        {
            "name": "group_by",
            "in": "query",
            "schema": {"type": "string"},
            "description": "team, key, model, provider, or several joined by commas",
        },
        {"name": "period", "in": "query", "schema": {"enum": ["day", "month"]}},
        {"name": "month", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM"},
        {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM-DD"},
        {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM-DD"},
        *(
            {
                "name": g,
                "in": "query",
                "schema": {"type": "string"},
                "description": f"only this {g}",
            }
            for g in ("team", "key", "model", "provider")
        ),
        {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}},
    ]
    key_filters = [
        {"name": "team", "in": "query", "schema": {"type": "string"}},
        {
            "name": "q",
            "in": "query",
            "schema": {"type": "string"},
            "description": "part of the key's id, name or prefix",
        },
        {
            "name": "status",
            "in": "query",
            "schema": {"enum": ["all", "active", "revoked", "expired"]},
        },
        *_PAGE,
    ]
    paths = {
        "/-/api/teams": {
            "post": _op("Create a team", _json(_ref("Team"), "Created"), "TeamCreate", "201"),
            "get": _op("List teams", _list("Team"), parameters=_PAGE),
        },
        "/-/api/teams/{name}": {
            "get": _op("Read a team", _json(_ref("Team")), parameters=by_name),
            "patch": _op("Change a team", _json(_ref("Team")), "TeamUpdate", parameters=by_name),
            "delete": _op(
                "Delete a team without active keys", _json(_ref("Team")), parameters=by_name
            ),
        },
        "/-/api/keys": {
            "post": _op(
                "Create a key (the secret is in `key`, shown once)",
                _json(_ref("KeyWithSecret"), "Created"),
                "KeyCreate",
                "201",
            ),
            "get": _op("List keys", _list("Key"), parameters=key_filters),
        },
        "/-/api/keys/{id}": {
            "get": _op("Read a key", _json(_ref("Key")), parameters=by_id),
            "patch": _op("Change a key", _json(_ref("Key")), "KeyUpdate", parameters=by_id),
            "delete": _op("Revoke a key", _json(_ref("Key")), parameters=by_id),
        },
        "/-/api/keys/{id}/rotate": {
            "post": _op(
                "New secret; the old one works for overlap_seconds",
                _json(_ref("KeyWithSecret")),
                "KeyRotate",
                parameters=by_id,
            ),
        },
        "/-/api/spend": {
            "get": _op(
                "Spend per period, grouped (JSON rows or CSV)",
                _list("SpendRow"),
                parameters=spend_params,
            ),
        },
        "/-/api/audit": {
            "get": _op(
                "Every admin change, newest first",
                _list("AuditEntry"),
                parameters=[
                    {"name": "target", "in": "query", "schema": {"type": "string"}},
                    {"name": "action", "in": "query", "schema": {"type": "string"}},
                    *_PAGE,
                ],
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "sluicegate admin API", "version": __version__},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"admin": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"admin": []}],
        "paths": paths,
    }
