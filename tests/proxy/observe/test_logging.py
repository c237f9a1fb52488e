"""One timestamp format in every line: the JSON logs and the access lines agree."""

from __future__ import annotations

import io
import logging
import re

import orjson

from proxy.observe.logging import JsonFormatter, timestamp
from proxy.observe.report import AccessLog
from proxy.testing import make_exchange

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_timestamp_is_utc_iso_with_milliseconds() -> None:
    assert timestamp(0.0) == "1970-01-01T00:00:00.000Z"
    assert timestamp(1_718_000_000.123) == "2024-06-10T06:13:20.123Z"
    assert timestamp(1_718_000_001.5) == "2024-06-10T06:13:21.500Z"  # a new second
    assert timestamp(1_718_000_000.999) == "2024-06-10T06:13:20.999Z"  # and back
    # a second's last half-millisecond rounds to 1000: kept at .999, never the next second
    assert timestamp(1_718_000_000.9997) == "2024-06-10T06:13:20.999Z"


def test_log_lines_and_access_lines_share_the_format() -> None:
    record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "name": "x"})
    log_ts = orjson.loads(JsonFormatter().format(record))["ts"]
    stream = io.BytesIO()
    access = AccessLog(stream)
    access.write(make_exchange())
    access.flush()
    access_ts = orjson.loads(stream.getvalue().splitlines()[0])["ts"]
    assert ISO.match(log_ts) and ISO.match(access_ts)
