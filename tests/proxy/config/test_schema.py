"""The published JSON Schemas are generated from the models and kept in step with them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from proxy.config.schema import config_schema, policy_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "schema"


def test_the_committed_schemas_are_current() -> None:
    # If this fails, run `sluicegate schema` and commit docs/schema/.
    assert json.loads((SCHEMAS / "config.schema.json").read_text()) == config_schema()
    assert json.loads((SCHEMAS / "policy.schema.json").read_text()) == policy_schema()


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
