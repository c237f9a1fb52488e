"""JSON Schemas of config.toml and of a policy file, generated from the models.

Editors (VS Code's Even Better TOML, taplo) validate and complete TOML against these, so an
operator sees a misspelt key before ``sluicegate check`` does.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from proxy.config.models import Config
from proxy.config.policyfile import PluginEntry, PolicyFile, When
from proxy.plugin import PluginLoadError, Registry

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def plugin_summary(cls: type) -> str:
    """A plugin's one-paragraph description: its class docstring, else its module's (each
    built-in plugin documents itself at the top of its module), without the ``name:`` lead."""
    doc = inspect.getdoc(cls) if cls.__doc__ else None
    if not doc:
        module = sys.modules.get(cls.__module__)
        doc = inspect.getdoc(module) if module is not None else None
    if not doc:
        return str(getattr(cls, "name", "") or cls.__name__)
    first = " ".join(doc.split("\n\n", 1)[0].split())
    name = getattr(cls, "name", "")
    return first.removeprefix(f"{name}: ") if name else first


def config_schema() -> dict[str, Any]:
    schema = Config.model_json_schema()
    schema["$schema"] = SCHEMA_DRAFT
    schema["title"] = "sluicegate config.toml"
    return schema


def policy_schema(registry: Registry | None = None) -> dict[str, Any]:
    """A policy file; each ``[[plugins]]`` entry is checked against its plugin's Options."""
    registry = registry or Registry()
    schema = PolicyFile.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    definitions["When"] = When.model_json_schema()
    variants = []
    for name in registry.names():
        try:
            cls = registry.resolve(name)
        except PluginLoadError:
            continue
        options = cls.Options.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(options.pop("$defs", {}))
        properties = {
            "use": {"const": name, "description": plugin_summary(cls)},
            "mode": {"enum": ["enforce", "monitor"], "default": "enforce"},
            "when": {"$ref": "#/$defs/When"},
            **options.get("properties", {}),
        }
        variants.append(
            {
                "type": "object",
                "title": name,
                "properties": properties,
                "required": ["use", *options.get("required", [])],
                "additionalProperties": False,
            }
        )
    dotted = PluginEntry.model_json_schema()
    dotted["properties"]["use"] = {
        "type": "string",
        "pattern": r"^[\w.]+:\w+$",
        "description": "A third-party plugin: package.module:Class",
    }
    dotted.pop("$defs", None)
    variants.append(dotted)
    schema["properties"]["plugins"] = {"type": "array", "items": {"anyOf": variants}}
    schema["$schema"] = SCHEMA_DRAFT
    schema["title"] = "sluicegate policy file"
    return schema
