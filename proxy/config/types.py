"""Value types that config files spell as strings (durations, rates, byte sizes) and the
base of every table (``Strict``: unknown keys are errors, values frozen).

They are parsed once, when the config loads, so nothing on the request path ever
parses "60/minute" again. Each type is a pydantic-annotated alias: a model field
declared as ``Duration`` accepts ``"250ms"``, ``"30s"``, ``"5m"`` or a number of
seconds, and stores a float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


class Strict(BaseModel):
    """A config table: an unknown key is an error, and a loaded value never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def registered(value: str, registry: Mapping[str, object], what: str) -> str:
    """``value`` if it names an entry of ``registry`` (engines, provider kinds, balancers),
    else the error a config validator raises, listing what would have been accepted."""
    if value not in registry:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(registry)}")
    return value


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(?:(\d+)\s*)?(second|minute|hour|day|s|m|h|d)\s*$")
_PERIODS = {
    "second": 1.0,
    "s": 1.0,
    "minute": 60.0,
    "m": 60.0,
    "hour": 3600.0,
    "h": 3600.0,
    "day": 86400.0,
    "d": 86400.0,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}

DURATION_EXPECTED = 'a duration such as "250ms", "30s", "5m", "1h" or a number of seconds'
RATE_EXPECTED = 'expected "<count>/<second|minute|hour|day>"'
SIZE_EXPECTED = 'a size such as "512KiB", "10MB" or a number of bytes'


def parse_duration(value: Any) -> float:
    """Seconds from "250ms" / "30s" / "5m" / "1h" / "1d" or a plain non-negative number."""
    if isinstance(value, bool):
        raise ValueError(DURATION_EXPECTED)
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(DURATION_EXPECTED)
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    raise ValueError(DURATION_EXPECTED)


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` events per ``period`` seconds, e.g. 60/minute -> Rate(60, 60.0)."""

    count: float
    period: float

    @property
    def per_second(self) -> float:
        return self.count / self.period

    @property
    def interval(self) -> float:
        """Seconds between two evenly spaced events (GCRA's emission interval)."""
        return self.period / self.count

    def __str__(self) -> str:
        for name in ("second", "minute", "hour", "day"):
            if _PERIODS[name] == self.period:
                return f"{self.count:g}/{name}"
        return f"{self.count:g}/{self.period:g}s"


def parse_rate(value: Any) -> Rate:
    """A Rate from "60/minute", "10/s", "1000/day" or "5/10s"-style "5/10 second"."""
    if isinstance(value, Rate):
        return value
    if isinstance(value, str):
        match = _RATE.match(value)
        if match:
            count = float(match.group(1))
            multiple = float(match.group(2) or 1)
            if count > 0 and multiple > 0:
                return Rate(count, _PERIODS[match.group(3)] * multiple)
    raise ValueError(RATE_EXPECTED)


def parse_size(value: Any) -> int:
    """Bytes from "512KiB", "10MB", "1GiB" or a plain non-negative integer."""
    if isinstance(value, bool):
        raise ValueError(SIZE_EXPECTED)
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            unit = (match.group(2) or "b").lower()
            return int(float(match.group(1)) * _SIZE_UNITS[unit])
    raise ValueError(SIZE_EXPECTED)


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DURATION.pattern},
                {"type": "number", "minimum": 0},
            ]
        }
    ),
]
RateValue = Annotated[
    Rate,
    BeforeValidator(parse_rate),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _RATE.pattern}),
]
ByteSize = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": _SIZE.pattern}, {"type": "integer", "minimum": 0}]}
    ),
]
