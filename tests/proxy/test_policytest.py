"""``sluicegate test``: sequences on one store, a route's real group over scripted providers,
and failures reported as lines, never as tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy.cli import main
from proxy.config.errors import ConfigError
from proxy.config.loader import load_config
from proxy.policytest import run_policy_tests

CONFIG = """
[providers.cheap]
type = "openai"
base_url = "https://cheap.test/v1"
models = { "chat" = "cheap-chat-1" }
pricing = { "cheap-chat-1" = { input = 0.1, output = 0.1 } }
[providers.dear]
type = "openai"
base_url = "https://dear.test/v1"
api_key = "sk-dear"
models = { "chat" = "dear-chat-9" }
pricing = { "dear-chat-9" = { input = 9, output = 9 } }
[upstreams.u]
balance = "cheapest"
targets = [{ provider = "cheap" }, { provider = "dear" }]
retry = { attempts = 2, backoff = "1ms" }
[[routes]]
name = "main"
policy = "p"
upstream = "u"
"""

CHAT = 'json = { model = "chat", temperature = 0, messages = [{ role = "user", content = "hi" }] }'
POST = f'method = "POST", path = "/v1/chat/completions", {CHAT}'


def project(tmp_path: Path, policy: str) -> Path:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text(CONFIG)
    (tmp_path / "policies" / "p.toml").write_text(policy)
    return tmp_path / "config.toml"


async def run(tmp_path: Path, policy: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = await run_policy_tests(load_config(project(tmp_path, policy)))
    return code, capsys.readouterr().out


async def test_a_sequence_shares_the_store_and_names_the_failing_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = f"""
[[plugins]]
use = "rate_limit"
key = "ip"
limit = "2/minute"
burst = 1
[[plugins]]
use = "cache"
[[tests]]
name = "limit"
steps = [
  {{ repeat = 2, request = {{ {POST} }}, expect = {{ status = 200 }} }},
  {{ request = {{ {POST} }}, expect = {{ status = 429 }} }},
]
[[tests]]
name = "wrong on purpose"
steps = [{{ repeat = 3, request = {{ {POST} }}, expect = {{ status = 200 }} }}]
"""
    code, out = await run(tmp_path, policy, capsys)
    assert "ok   p: limit" in out
    assert "FAIL p: wrong on purpose" in out
    assert "step 1, call 3 of 3: status: expected 200, got 429" in out
    assert code == 1


async def test_a_route_runs_its_real_group_over_scripted_providers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = f"""
[[tests]]
name = "cheapest first, mapped"
route = "main"
request = {{ {POST} }}
expect = {{ status = 200, provider = "cheap", model = "cheap-chat-1" }}
[[tests]]
name = "failover"
route = "main"
providers = {{ cheap = ["500"] }}
request = {{ {POST} }}
expect = {{ status = 200, provider = "dear", model = "dear-chat-9" }}
[[tests]]
name = "all down"
route = "main"
providers = {{ cheap = ["fail"], dear = ["slow"] }}
request = {{ {POST} }}
expect = {{ status = 504 }}
[[tests]]
name = "a 429 with Retry-After keeps the balancer off that provider for the next call"
route = "main"
providers = {{ cheap = ["429", "answer"] }}
steps = [
  {{ request = {{ {POST} }}, expect = {{ status = 200, provider = "dear" }} }},
  {{ request = {{ {POST} }}, expect = {{ status = 200, provider = "dear" }} }},
]
"""
    code, out = await run(tmp_path, policy, capsys)
    assert out.count("ok   ") == 4, out
    assert code == 0


async def test_tests_that_cannot_run_fail_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = f"""
[[tests]]
name = "unknown route"
route = "nope"
request = {{ {POST} }}
[[tests]]
name = "unknown provider"
route = "main"
providers = {{ cheep = ["fail"] }}
request = {{ {POST} }}
"""
    code, out = await run(tmp_path, policy, capsys)
    assert "route 'nope': no route of that name (named routes: main)" in out
    assert "providers: cheep not in upstream 'u' (its providers: cheap, dear)" in out
    assert code == 1


@pytest.mark.parametrize(
    ("test", "message"),
    [
        (f"request = {{ {POST} }}\nsteps = [{{ request = {{ {POST} }} }}]", "either `request`"),
        ('providers = { cheap = ["fail"] }\nrequest = { path = "/" }', "set `route` too"),
        ('route = "main"\nproviders = { cheap = ["later"] }\nrequest = { path = "/" }', "tests"),
    ],
)
def test_malformed_tests_fail_at_load(tmp_path: Path, test: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(project(tmp_path, f'[[tests]]\nname = "t"\n{test}\n'))


def test_a_plugin_that_cannot_be_built_is_an_error_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[[keys]]\nid = "a"\nhash = "00"\n')
    policy = f'[[plugins]]\nuse = "api_key"\nkeys_file = "{keys}"\n'
    policy += f'[[tests]]\nname = "t"\nrequest = {{ {POST} }}\n'
    monkeypatch.chdir(tmp_path)
    project(tmp_path, policy)
    code = main(["test", "-c", "config.toml"])
    captured = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in captured.out + captured.err
    assert "keys.toml" in captured.out + captured.err
