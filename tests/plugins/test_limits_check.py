"""``sluicegate check`` warns when limit plugins keep their counts in per-worker memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.budget import Budget
from plugins.jwt import Jwt
from plugins.rate_limit import RateLimit
from plugins.token_limit import TokenLimit
from proxy.cli import main

POLICY = """
[[plugins]]
use = "jwt"
key_env = "CHECK_TEST_SECRET"
algorithms = ["HS256"]

[[plugins]]
use = "rate_limit"
key = "identity.subject"
limit = "60/minute"

[[plugins]]
use = "token_limit"
per_minute = 10000

[[plugins]]
use = "budget"
per_day = 5.0
estimate_cost_per_request = 0.01
"""


def write_config(tmp_path: Path, workers: int, state: str) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "limited.toml").write_text(POLICY)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[server]
listen = ["127.0.0.1:18080"]
admin_listen = "127.0.0.1:19901"
workers = {workers}

{state}

[providers.mock]
type = "mock"

[upstreams.chat]
targets = [{{ provider = "mock" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "limited"
upstream = "chat"
"""
    )
    return config


def run_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    workers: int, state: str,
) -> str:  # fmt: skip
    monkeypatch.setenv("CHECK_TEST_SECRET", "a-test-secret-of-at-least-32-bytes-long!")
    assert main(["check", "-c", str(write_config(tmp_path, workers, state))]) == 0
    return capsys.readouterr().err


def test_limit_plugins_declare_shared_state() -> None:
    for cls in (RateLimit, TokenLimit, Budget, Jwt):
        assert cls.uses_shared_state is True, cls.__name__


def test_memory_backend_with_several_workers_warns_naming_each_plugin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = run_check(tmp_path, capsys, monkeypatch, 4, '[state]\nbackend = "memory"')
    warning = next(line for line in err.splitlines() if "state.backend is memory" in line)
    assert "4 workers" in warning
    assert "budget, jwt, rate_limit, token_limit" in warning
    assert 'backend = "redis"' in warning


@pytest.mark.parametrize(
    ("workers", "state"),
    [
        (1, '[state]\nbackend = "memory"'),
        (4, '[state]\nbackend = "redis"\nurl = "redis://127.0.0.1:1/0"'),
    ],
)
def test_no_warning_with_one_worker_or_a_shared_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    workers: int, state: str,
) -> None:  # fmt: skip
    assert "state.backend is memory" not in run_check(tmp_path, capsys, monkeypatch, workers, state)
