"""acme_guards' own tests, run against an installed sluicegate (its wheel, in sluicegate's CI).

They use only what a third party may rely on: the entry point this package declares, the
public config loader behind ``sluicegate check``, and the plugin test kit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sluicegate.api import Plugin, Registry, load_config
from sluicegate.testing import FakeUpstream, Harness

CONFIG = """
[providers.mock]
type = "mock"
[upstreams.u]
targets = [{ provider = "mock" }]
[[routes]]
policy = "p"
upstream = "u"
"""


def test_the_entry_point_name_finds_the_installed_plugin() -> None:
    cls = Registry().resolve("model_allowlist")
    assert issubclass(cls, Plugin) and cls.__name__ == "ModelAllowlist"


async def test_allowed_models_pass_and_others_are_refused() -> None:
    upstream = FakeUpstream()
    harness = Harness([(Registry().resolve("model_allowlist"), {"allow": ["chat-fast"]})], upstream)
    ok = await harness.request("POST", json={"model": "chat-fast", "messages": []})
    refused = await harness.request("POST", json={"model": "gpt-huge", "messages": []})
    await harness.close()
    assert ok.status == 200 and ok.header("x-acme-policy") == "model-allowlist"
    assert refused.status == 403
    assert refused.json()["error"]["type"] == "model_not_allowed"
    assert [e.type for e in refused.exchange.events] == ["model_denied"]
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "DELETE", "POST", "PUT", "PATCH"])
async def test_every_method_without_a_model_goes_through(method: str) -> None:
    harness = Harness([(Registry().resolve("model_allowlist"), {"allow": ["chat-fast"]})])
    result = await harness.request(method, "/v1/models")
    await harness.close()
    assert result.status == 200


def test_a_policy_uses_it_by_name_and_its_options_are_checked(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "config.toml").write_text(CONFIG)
    policy = tmp_path / "policies" / "p.toml"
    policy.write_text('[[plugins]]\nuse = "model_allowlist"\nallow = ["chat-fast"]\n')
    loaded = load_config(tmp_path / "config.toml", env={})
    assert loaded.policies["p"].plugins[0].cls.__name__ == "ModelAllowlist"
    policy.write_text('[[plugins]]\nuse = "model_allowlist"\nallow = []\n')
    with pytest.raises(Exception, match=r"p\.toml: plugins\[0\]\.allow"):
        load_config(tmp_path / "config.toml", env={})
