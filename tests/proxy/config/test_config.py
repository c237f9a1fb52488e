"""Config loading: every mistake names the file, the key path and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from proxy.cli import main
from proxy.config.errors import ConfigError
from proxy.config.loader import load_config

BASE = """
[providers.mock]
type = "mock"

[upstreams.chat]
targets = [{ provider = "mock" }]

[[routes]]
match = { path_prefix = "/v1/" }
policy = "default"
upstream = "chat"
"""
POLICY = '[[plugins]]\nuse = "request_id"\n'


def write(tmp_path: Path, config: str, policy: str = POLICY, **others: str) -> Path:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "policies" / "default.toml").write_text(policy)
    for name, text in others.items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "config.toml"
    path.write_text(config)
    return path


def problems(
    tmp_path: Path, config: str, policy: str = POLICY, env: dict[str, str] | None = None
) -> list[str]:
    path = write(tmp_path, config, policy)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return [str(p) for p in caught.value.problems]


MISTAKES = [
    # (description, config, policy, expected fragments of one problem)
    (
        "unknown top-level key",
        BASE + "\n[sever]\nlisten = []\n",
        POLICY,
        ["config.toml: sever: unknown key", "expected one of:", "server"],
    ),
    (
        "unknown server key",
        "[server]\nlistn = ['127.0.0.1:1']\n" + BASE,
        POLICY,
        ["config.toml: server.listn: unknown key", "listen"],
    ),
    (
        "bad listen address",
        "[server]\nlisten = ['localhost']\n" + BASE,
        POLICY,
        ['config.toml: server.listen: expected "host:port"'],
    ),
    (
        "unknown engine",
        "[server]\nengine = 'uvicorn'\n" + BASE,
        POLICY,
        [
            "config.toml: server.engine: unknown engine 'uvicorn'; "
            "expected one of hypercorn, granian"
        ],
    ),
    (
        "unknown http1 parser",
        "[server]\nhttp1 = 'picohttp'\n" + BASE,
        POLICY,
        ["config.toml: server.http1: unknown http1 'picohttp'; expected one of h11, httptools"],
    ),
    (
        "bad duration",
        BASE.replace(
            'targets = [{ provider = "mock" }]',
            'targets = [{ provider = "mock" }]\ntimeouts = { connect = "2 parsecs" }',
        ),
        POLICY,
        ["config.toml: upstreams.chat.timeouts.connect: a duration such as"],
    ),
    (
        "unknown balancer",
        BASE.replace("[upstreams.chat]", '[upstreams.chat]\nbalance = "random"'),
        POLICY,
        ["config.toml: upstreams.chat.balance: unknown balancer 'random'; expected one of"],
    ),
    (
        "unknown provider in a target",
        BASE.replace('provider = "mock" }]', 'provider = "grok" }]'),
        POLICY,
        ["config.toml: upstreams.chat.targets[0].provider: unknown provider 'grok'", "known: mock"],
    ),
    (
        "route names an unknown upstream",
        BASE.replace('upstream = "chat"', 'upstream = "chats"'),
        POLICY,
        ["config.toml: routes[0].upstream: unknown upstream 'chats'"],
    ),
    (
        "route names a missing policy",
        BASE.replace('policy = "default"', 'policy = "public"'),
        POLICY,
        ["config.toml: routes[0].policy: no policy file", "public.toml", "known policies: default"],
    ),
    (
        "openai provider without base_url",
        BASE + '\n[providers.groq]\ntype = "openai"\n',
        POLICY,
        ['config.toml: providers.groq: type "openai" needs base_url'],
    ),
    (
        "wrong type",
        BASE.replace("[upstreams.chat]", "[upstreams.chat]\nretry = { attempts = 'x' }"),
        POLICY,
        ["config.toml: upstreams.chat.retry.attempts: expected a valid integer"],
    ),
    (
        "unknown plugin",
        BASE,
        '[[plugins]]\nuse = "rate_limitt"\n',
        ["policies/default.toml: plugins[0].use: unknown plugin 'rate_limitt'", "request_id"],
    ),
    (
        "unknown plugin option",
        BASE,
        '[[plugins]]\nuse = "request_id"\nheadr = "X-Id"\n',
        ["policies/default.toml: plugins[0].headr: unknown key", "header"],
    ),
    (
        "bad plugin option value",
        BASE,
        '[[plugins]]\nuse = "request_id"\nmax_length = 2\n',
        ["policies/default.toml: plugins[0].max_length: expected greater than or equal to 8"],
    ),
    (
        "bad plugin mode",
        BASE,
        '[[plugins]]\nuse = "request_id"\nmode = "shadow"\n',
        ["policies/default.toml: plugins[0].mode: expected 'enforce' or 'monitor'"],
    ),
    (
        "unset environment variable",
        BASE.replace('type = "mock"', 'type = "mock"\nheaders = { x = "${NOPE}" }'),
        POLICY,
        ["config.toml: providers.mock.headers.x: environment variable NOPE is not set"],
    ),
    ("TOML syntax error", BASE + "\n[broken\n", POLICY, ["config.toml: invalid TOML", "line"]),
    (
        "health probe path not under base_url",
        BASE.replace('type = "mock"', 'type = "mock"\nhealth = { path = "models" }'),
        POLICY,
        ['config.toml: providers.mock.health.path: must start with "/"'],
    ),
    (
        "health probe every 0 s",
        BASE.replace('type = "mock"', 'type = "mock"\nhealth = { interval = "0s" }'),
        POLICY,
        ["config.toml: providers.mock.health.interval: expected greater than 0"],
    ),
    (
        "unknown health key",
        BASE.replace('type = "mock"', 'type = "mock"\nhealth = { treshold = 2 }'),
        POLICY,
        ["config.toml: providers.mock.health.treshold: unknown key", "unhealthy_threshold"],
    ),
    (
        "redis without url",
        "[state]\nbackend = 'redis'\n" + BASE,
        POLICY,
        ['config.toml: state: backend "redis" needs url'],
    ),
]


@pytest.mark.parametrize(
    ("config", "policy", "fragments"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_each_mistake_names_file_key_path_and_expectation(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    config: str,
    policy: str,
    fragments: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NOPE", raising=False)
    found = problems(tmp_path, config, policy)
    assert any(all(f in p for f in fragments) for p in found), found
    # The command line says the same and exits non-zero.
    assert main(["check", "-c", str(tmp_path / "config.toml")]) == 1
    stderr = capsys.readouterr().err
    assert any(all(f in line for f in fragments) for line in stderr.splitlines()), stderr


def test_all_problems_are_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = BASE.replace('upstream = "chat"', 'upstream = "x"').replace(
        'provider = "mock" }]', 'provider = "y" }]'
    )
    found = problems(tmp_path, config)
    assert len(found) == 2


def test_interpolation_defaults_and_escapes(tmp_path: Path) -> None:
    config = BASE.replace(
        'type = "mock"',
        'type = "mock"\nheaders = { a = "${A:-fallback}", b = "${B}", c = "$${NOT}" }',
    )
    loaded = load_config(write(tmp_path, config), env={"B": "from-env"})
    assert loaded.config.providers["mock"].headers == {
        "a": "fallback",
        "b": "from-env",
        "c": "${NOT}",
    }


def test_durations_and_sizes_are_parsed_at_load(tmp_path: Path) -> None:
    config = "[server]\nmax_body = '2MiB'\nshutdown_timeout = '1m'\n" + BASE.replace(
        'targets = [{ provider = "mock" }]',
        'targets = [{ provider = "mock" }]\ntimeouts = { connect = "250ms", total = 90 }',
    )
    loaded = load_config(write(tmp_path, config), env={})
    assert loaded.config.server.max_body == 2 * 1024 * 1024
    assert loaded.config.server.shutdown_timeout == 60.0
    timeouts = loaded.config.upstreams["chat"].timeouts
    assert (timeouts.connect, timeouts.total) == (0.25, 90.0)


def test_a_profile_overlays_the_base_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        BASE,
        **{
            "config.prod.toml": "[server]\nworkers = 4\n"
            "[state]\nbackend = 'redis'\nurl = 'redis://x'\n"
        },
    )
    assert load_config(path, env={}).config.server.workers == 1
    prod = load_config(path, profile="prod", env={})
    assert prod.config.server.workers == 4
    assert prod.config.state.backend == "redis"
    assert load_config(path, env={"SLUICEGATE_PROFILE": "prod"}).config.server.workers == 4
    with pytest.raises(ConfigError, match="profile 'staging' has no overlay file"):
        load_config(path, profile="staging", env={})


def test_a_provider_without_its_key_is_disabled_and_the_version_changes(tmp_path: Path) -> None:
    config = (
        BASE + '\n[providers.groq]\ntype = "openai"\nbase_url = "https://x/v1"\n'
        'api_key = "${GROQ_API_KEY:-}"\n'
    )
    path = write(tmp_path, config)
    without = load_config(path, env={})
    with_key = load_config(path, env={"GROQ_API_KEY": "gsk_x"})
    assert without.disabled_providers == ["groq"]
    assert with_key.disabled_providers == []
    assert any("groq" in w for w in without.warnings)
    assert without.version != with_key.version


def test_the_check_command_exits_non_zero_and_prints_the_problem(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace('upstream = "chat"', 'upstream = "nope"'))
    run = subprocess.run(
        [sys.executable, "-m", "proxy", "check", "-c", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 1
    assert "config.toml: routes[0].upstream: unknown upstream 'nope'" in run.stderr


def test_the_check_command_prints_one_line_per_route(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    run = subprocess.run(
        [sys.executable, "-m", "proxy", "check", "-c", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert (
        "path_prefix=/v1/ -> policy default -> [request_id] -> chat (round_robin: mock)"
        in run.stdout
    )
