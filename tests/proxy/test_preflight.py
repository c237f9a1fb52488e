"""``sluicegate check`` builds every plugin as ``serve`` would: a missing or broken key file is
an error naming the file, and a tier no caller can have is a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins._keys import hash_key
from proxy.cli import main

CONFIG = """
[providers.mock]
type = "mock"
[upstreams.u]
targets = [{ provider = "mock" }]
admission = { priority = "identity.tier", priorities = { gold = 10, bronze = 1 } }
[[routes]]
policy = "p"
upstream = "u"
"""
GOOD_KEY = f'[[keys]]\nid = "a"\nhash = "{hash_key("k")}"\ntier = "gold"\n'


def check(
    tmp_path: Path, keys: str | None, capsys: pytest.CaptureFixture[str], limits: str = ""
) -> tuple[int, str, str]:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text(CONFIG)
    if keys is not None:
        (tmp_path / "keys.toml").write_text(keys)
    policy = f'[[plugins]]\nuse = "api_key"\nkeys_file = "{tmp_path / "keys.toml"}"\n{limits}'
    (tmp_path / "policies" / "p.toml").write_text(policy)
    code = main(["check", "-c", str(tmp_path / "config.toml")])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (None, "keys.toml"),
        ('[[keys]]\nid = "a"\nhash = "abc"\n', "hash"),
        (GOOD_KEY + "limits = { tokens_per_week = 5 }\n", "tokens_per_week"),
        ("[[keys]\n", "not valid TOML"),
    ],
    ids=["missing", "bad hash", "misspelled limit", "not toml"],
)
def test_a_key_file_serve_would_refuse_fails_check(
    tmp_path: Path, keys: str | None, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = check(tmp_path, keys, capsys)
    assert code == 1
    assert "Traceback" not in out + err
    assert "policies/p.toml: plugins[0]" in err and expected in err
    assert "ok:" not in out


def test_a_good_key_file_passes_and_unused_tiers_are_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = '[[plugins]]\nuse = "rate_limit"\nlimit = "10/minute"\n'
    limits += 'tiers = { gold = "100/minute", platinum = "1000/minute" }\n'
    code, out, err = check(tmp_path, GOOD_KEY, capsys, limits)
    assert code == 0, err
    assert "ok:" in out
    assert "plugins[1] (rate_limit): tier 'platinum' is unused" in err
    assert "tiers callers have: gold" in err
    assert "admission.priorities: tier 'bronze' is unused" in err
    assert "'gold' is unused" not in err
