"""The example third-party plugin, loaded by dotted path and tested with the test kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy.config.loader import load_config
from proxy.plugin import Registry
from proxy.testing import FakeUpstream, Harness

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "acme_guards"
DOTTED = "acme_guards.model_allowlist:ModelAllowlist"


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))


async def test_allowed_models_pass_and_others_are_refused() -> None:
    cls = Registry().resolve(DOTTED)
    upstream = FakeUpstream()
    harness = Harness([(cls, {"allow": ["chat-fast"]})], upstream)
    ok = await harness.request("POST", json={"model": "chat-fast", "messages": []})
    refused = await harness.request("POST", json={"model": "gpt-huge", "messages": []})
    assert ok.status == 200 and ok.header("x-acme-policy") == "model-allowlist"
    assert refused.status == 403
    assert refused.json()["error"]["type"] == "model_not_allowed"
    assert refused.header("x-acme-policy") == "model-allowlist"
    assert [e.type for e in refused.exchange.events] == ["model_denied"]
    assert len(upstream.requests) == 1


def test_a_policy_file_loads_it_by_dotted_path_and_checks_its_options(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "config.toml").write_text(
        '[providers.mock]\ntype = "mock"\n[upstreams.u]\ntargets = [{ provider = "mock" }]\n'
        '[[routes]]\npolicy = "p"\nupstream = "u"\n'
    )
    policy = tmp_path / "policies" / "p.toml"
    policy.write_text(f'[[plugins]]\nuse = "{DOTTED}"\nallow = ["a"]\n')
    loaded = load_config(tmp_path / "config.toml", env={})
    assert loaded.policies["p"].plugins[0].cls.__name__ == "ModelAllowlist"
    policy.write_text(f'[[plugins]]\nuse = "{DOTTED}"\nallow = []\n')
    with pytest.raises(Exception, match=r"plugins\[0\]\.allow"):
        load_config(tmp_path / "config.toml", env={})
