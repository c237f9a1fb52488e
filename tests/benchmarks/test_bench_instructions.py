"""benchmarks.instructions measures the config it says it measures: the named plugins left
out, tracing's plugin span threshold set, and the result still a config that loads (a run
under valgrind takes minutes; what it runs must not fail at the end of them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.core_overhead import system_environment
from benchmarks.instructions import configured
from plugins.tracing import Tracing
from proxy.config.loader import load_config


@pytest.mark.parametrize("without", [[], ["input_scan"], ["input_scan", "tracing"]])
def test_the_measured_config_is_the_system_s_with_the_changes_asked_for(
    without: list[str], tmp_path: Path
) -> None:
    with system_environment("gateway-full", redis_url="redis://127.0.0.1:9/0") as (config, _):
        changed = configured(config, without, "0s", tmp_path / "config")
        loaded = load_config(changed)
    (policy,) = loaded.policies.values()
    uses = [spec.entry.use for spec in policy.plugins]
    assert not set(without) & set(uses)
    assert set(uses) | set(without) == {
        "tracing", "request_id", "security_headers", "jwt", "rate_limit", "input_scan"
    }  # fmt: skip
    thresholds = [
        spec.options.plugin_span_min
        for spec in policy.plugins
        if isinstance(spec.options, Tracing.Options)
    ]
    assert thresholds == ([] if "tracing" in without else [0.0])
    assert "plugin_span_min" not in config.parent.joinpath("policies/full.toml").read_text()
