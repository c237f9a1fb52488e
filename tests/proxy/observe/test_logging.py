"""JSON log lines never vanish (issue 17, L5): a lone surrogate in a JWT header, an integer
past 64 bits, a non-string key or a broken format string each still give one line, and the
security event of the request that carried it is logged."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from plugins.jwt import Jwt
from proxy.observe.logging import JsonFormatter, safe_dumps, setup_logging
from proxy.testing import Harness


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger("sluicegate")
    saved = (root.handlers, root.level, root.propagate)
    stream = io.StringIO()
    setup_logging("info", stream)
    yield stream
    root.handlers, root.level, root.propagate = saved


@pytest.mark.parametrize(
    "value",
    ["\ud800", "ok\udfff\ud800x", 2**70, -(2**70), {1: "int key", (2, 3): "tuple"}, b"\xff\xfe"],
)
def test_any_value_gives_one_json_line(value: Any) -> None:
    record = logging.makeLogRecord({"msg": "event", "name": "sluicegate.security"})
    record.detail = {"nested": [value, {"deeper": value}]}
    record.reason = value
    line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert parsed["msg"] == "event"
    assert "reason" in parsed and "detail" in parsed


def test_a_broken_format_string_keeps_the_line() -> None:
    record = logging.makeLogRecord({"msg": "two %s %s", "args": ("one",)})
    assert "two %s %s" in json.loads(JsonFormatter().format(record))["msg"]


def test_safe_dumps_is_plain_orjson_for_plain_values() -> None:
    assert safe_dumps({"a": 1, "b": "x"}) == b'{"a":1,"b":"x"}'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_a_surrogate_in_a_jwt_header_still_logs_auth_failed(
    log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_L5_SECRET", "s" * 32)
    h = Harness([(Jwt, {"key_env": "TEST_L5_SECRET", "algorithms": ["HS256"]})])
    token = b64(b'{"alg":"\\ud800","typ":"JWT"}') + "." + b64(b'{"sub":"x"}') + ".c2ln"
    result = await h.request(
        "POST", json={"model": "m"}, headers={"authorization": f"Bearer {token}"}
    )
    assert result.status == 401
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    events = [line for line in lines if line.get("event") == "auth_failed"]
    assert len(events) == 1, lines
    await h.close()
