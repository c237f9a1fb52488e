"""JSON-lines logging for everything the gateway says (access lines are written separately).

Operators ship these lines to a log store; one JSON object a line, with the request id when
there is one, is what those stores index best.

A line must never vanish because of what is in it (issue 17, L5): a lone surrogate from a
JWT header (``{"alg": "\\ud800"}``), an integer past 64 bits, a key that is not a string —
each once made orjson raise and took a security event with it. ``safe_dumps`` tries the fast
path and, only when it fails, rewrites the values into what JSON can carry and tries again.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _message(record),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return safe_dumps(entry).decode()


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: keep both, lose nothing
        return f"{record.msg!s} {record.args!r}"


def safe_dumps(entry: dict[str, Any], option: int = 0) -> bytes:
    """``entry`` as one JSON object, whatever its values hold (``option``: orjson's)."""
    try:
        return orjson.dumps(entry, default=str, option=option)
    except (TypeError, ValueError):
        return orjson.dumps(_plain(entry, 0), default=str, option=option)


def _plain(value: Any, depth: int) -> Any:
    """A JSON-safe copy: text with surrogates or bad bytes escaped, big ints as text."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else str(value)
    if depth > 16:
        return _plain(repr(value), 0)
    if isinstance(value, dict):
        return {_plain(str(k), 0): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, depth + 1) for item in value]
    return _plain(str(value), 0)


def timestamp(created: float) -> str:
    """The one timestamp format of every line sluicegate writes (its logs and its access
    lines): UTC, ISO 8601, milliseconds — ``2026-12-06T13:55:00.123Z``. The seconds part is
    formatted once per second (one tuple swapped whole, so threads never see half of it),
    since the access log asks for it on every request."""
    global _second
    whole = int(created)
    cached = _second
    if cached[0] != whole:
        cached = _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    # 0.123 is 0.12299... in binary, hence the half; 0.9995 and up rounds to 1000, which the
    # table keeps at .999 (what a min(999, ...) call did, ~600 instructions a line)
    return cached[1] + _MILLIS[int((created - whole) * 1000 + 0.5)]


_second: tuple[int, str] = (-1, "")
# A lookup, not a format; index 1000 repeats 999 (a second's end never rounds up into the next)
_MILLIS = (*(f".{millis:03d}Z" for millis in range(1000)), ".999Z")


def setup_logging(level: str = "info", stream: Any = None) -> None:
    """Route every sluicegate logger to one JSON handler (idempotent)."""
    root = logging.getLogger("sluicegate")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level.upper())
    root.propagate = False
