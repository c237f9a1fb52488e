"""The configs we ship load, and their policy tests pass: what operators copy must work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "JWT_HS256_SECRET": "example-secret-at-least-32-bytes-long-xx"}


@pytest.mark.parametrize("config", ["config.toml", "examples/production/config.toml"])
def test_check_and_policy_tests_pass(config: str) -> None:
    for command in ("check", "test"):
        run = subprocess.run(
            [sys.executable, "-m", "proxy", command, "-c", config],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 failed" in run.stdout


def test_a_failing_policy_test_fails_the_command(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "config.toml").write_text(
        '[providers.mock]\ntype = "mock"\n[upstreams.u]\ntargets = [{ provider = "mock" }]\n'
        '[[routes]]\npolicy = "p"\nupstream = "u"\n'
    )
    (tmp_path / "policies" / "p.toml").write_text(
        '[[plugins]]\nuse = "request_id"\n[[tests]]\nname = "wrong on purpose"\n'
        'request = { method = "GET", path = "/v1/models" }\nexpect = { status = 418 }\n'
    )
    run = subprocess.run(
        [sys.executable, "-m", "proxy", "test", "-c", "config.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "FAIL p: wrong on purpose" in run.stdout
    assert "status: expected 418, got 200" in run.stdout


def test_check_fails_for_a_plugin_that_would_fail_to_start(tmp_path: Path) -> None:
    """A config that loads but whose plugin ``serve`` could not construct (an HMAC secret too
    short for HS256) is not ok (issue 17); ``test`` reports it without a traceback."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "config.toml").write_text(
        '[providers.mock]\ntype = "mock"\n[upstreams.u]\ntargets = [{ provider = "mock" }]\n'
        '[[routes]]\npolicy = "p"\nupstream = "u"\n'
    )
    (tmp_path / "policies" / "p.toml").write_text(
        '[[plugins]]\nuse = "jwt"\nalgorithms = ["HS256"]\nkey_env = "SHORT_SECRET"\n'
        '[[tests]]\nname = "anything"\nrequest = { method = "GET", path = "/v1/models" }\n'
        "expect = { status = 401 }\n"
    )
    env = {**os.environ, "SHORT_SECRET": "short"}
    runs = {
        command: subprocess.run(
            [sys.executable, "-m", "proxy", command, "-c", "config.toml"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for command in ("check", "test")
    }
    check = runs["check"]
    assert check.returncode == 1
    assert "ok:" not in check.stdout
    assert "policies/p.toml: plugins[0]: plugin 'jwt' failed to start" in check.stderr
    assert "32 bytes" in check.stderr
    test = runs["test"]
    assert test.returncode == 1
    assert "failed to start" in test.stdout
    assert "Traceback" not in test.stdout + test.stderr
