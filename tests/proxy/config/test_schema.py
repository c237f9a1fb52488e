"""The published JSON Schemas are generated from the models and kept in step with them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from proxy.cli import ADMIN_OPENAPI, main
from proxy.config.schema import config_schema, policy_schema
from proxy.keys.openapi import openapi_document

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "schema"


def test_the_committed_schemas_are_current() -> None:
    # If this fails, run `sluicegate schema` and commit docs/schema/.
    assert json.loads((SCHEMAS / "config.schema.json").read_text()) == config_schema()
    assert json.loads((SCHEMAS / "policy.schema.json").read_text()) == policy_schema()
    # The admin API's document, served only behind admin_token (docs/admin-api.md).
    assert json.loads((SCHEMAS / ADMIN_OPENAPI).read_text()) == openapi_document()


def test_sluicegate_schema_writes_every_document(tmp_path, capsys) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {"config.schema.json", "policy.schema.json", ADMIN_OPENAPI}
    assert json.loads((tmp_path / ADMIN_OPENAPI).read_text())["openapi"] == "3.1.0"


def test_every_built_in_plugin_has_a_schema_variant() -> None:
    variants = policy_schema()["properties"]["plugins"]["items"]["anyOf"]
    names = {v["properties"]["use"].get("const") for v in variants}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    built_in = set(pyproject["project"]["entry-points"]["sluicegate.plugins"])
    assert built_in <= names


def test_unknown_keys_are_closed_in_the_config_schema() -> None:
    schema = config_schema()
    assert schema["additionalProperties"] is False
    server = schema["$defs"]["ServerConfig"]
    assert server["additionalProperties"] is False
    assert "listen" in server["properties"]
