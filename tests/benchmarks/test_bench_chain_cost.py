"""benchmarks.chain_cost --tracing measures what it says: each variant is the system's config
with only its tracing entry changed (exporter "none", or no plugin spans), and still loads."""

from __future__ import annotations

from pathlib import Path

from benchmarks.chain_cost import tracing_split
from benchmarks.core_overhead import system_environment
from plugins.tracing import Tracing
from proxy.config.loader import load_config


def test_the_tracing_split_changes_only_the_tracing_entry(tmp_path: Path) -> None:
    with system_environment("gateway-full", redis_url="redis://127.0.0.1:9/0") as (config, _):
        original = load_config(config)
        variants = tracing_split(config, tmp_path)
        loaded = {v.name: load_config(v.config) for v in variants}
    (base,) = original.policies.values()
    expected = {
        "tracing: exporter none": ("none", 0.0001),
        "tracing: no plugin spans": ("discard", 3600.0),
    }
    assert set(loaded) == set(expected)
    for name, changed in loaded.items():
        (policy,) = changed.policies.values()
        assert [s.entry.use for s in policy.plugins] == [s.entry.use for s in base.plugins]
        for spec, before in zip(policy.plugins, base.plugins, strict=True):
            if isinstance(spec.options, Tracing.Options):
                options = spec.options
                assert (options.exporter, options.plugin_span_min) == expected[name]
                assert options.sample_ratio == 1.0
            else:
                assert spec.options == before.options
