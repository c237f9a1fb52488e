"""Config errors that name the file, the key path and what was expected.

An operator reading ``policies/public.toml: plugins[2].limit: expected "<count>/<unit>"``
knows exactly where to look; a pydantic traceback would not tell them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """One or more problems in the config; ``str()`` lists each on its own line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, path: str, message: str) -> ConfigError:
        return cls([Problem(file, path, message)])


def key_path(loc: Iterable[str | int], prefix: str = "") -> str:
    """``("plugins", 2, "limit")`` -> ``plugins[2].limit``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_validation(
    error: ValidationError, file: str, prefix: str = "", model: type[BaseModel] | None = None
) -> list[Problem]:
    """Turn pydantic's errors into Problems with readable expectations.

    ``model`` is the root model validated; it lets an unknown key list the keys that are known.
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not _is_union_tag(p)]
        problems.append(Problem(file, key_path(loc, prefix), _expectation(item, loc, model)))
    return problems


def _is_union_tag(part: object) -> bool:
    # pydantic adds the union member's name (e.g. "function-after[...]", "int") to loc.
    return isinstance(part, str) and ("[" in part or part in _UNION_TAGS)


_UNION_TAGS = {"int", "str", "float", "bool", "literal['connect','timeout']"}


def _expectation(
    item: Mapping[str, Any], loc: list[str | int], model: type[BaseModel] | None
) -> str:
    kind = str(item["type"])
    message = str(item["msg"])
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1]) if model else []
        hint = f" (expected one of: {', '.join(fields)})" if fields else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return "expected " + message.removeprefix("Input should be ").rstrip(".")
    return message


def _fields_at(model: type[BaseModel], loc: list[str | int]) -> list[str]:
    """Field names of the model found by walking ``loc`` from ``model`` (best effort)."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    target = _unwrap_model(annotation)
    return sorted(target.model_fields) if target else []


def _step(annotation: Any, part: str | int) -> Any:
    model = _unwrap_model(annotation)
    if model is not None and isinstance(part, str):
        field = model.model_fields.get(part)
        return field.annotation if field else None
    for arg in _members(annotation):
        origin = get_origin(arg)
        if origin in (list, tuple) and isinstance(part, int):
            return get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return get_args(arg)[1]
    return None


def _members(annotation: Any) -> tuple[Any, ...]:
    return get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    for arg in _members(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
