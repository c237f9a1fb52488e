"""benchmarks.socket_ab reads what it says it reads: a variant's config from the tree it names
(this checkout, a directory), a bad ``--run`` refused before anything starts, and the worker's
counters from /proc growing as the process works."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.socket_ab import ROOT, Counters, parse_variant


def test_a_variant_reads_its_config_from_the_tree_it_names(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "x.toml").write_text("")
    here = parse_variant("core=benchmarks/configs/core.toml", {}, tmp_path)
    there = parse_variant(f"other=configs/x.toml@{tmp_path}", {}, tmp_path)
    assert (here.name, here.tree, here.config) == (
        "core", ROOT, ROOT / "benchmarks/configs/core.toml"
    )  # fmt: skip
    assert (there.tree, there.config) == (tmp_path, tmp_path / "configs/x.toml")


@pytest.mark.parametrize("spec", ["core", "=x.toml", "core=", "core=no/such.toml"])
def test_a_bad_run_is_refused_with_what_was_expected(spec: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--run"):
        parse_variant(spec, {}, tmp_path)


def test_the_counters_of_a_working_process_grow() -> None:
    before = Counters.of_self()
    sum(range(3_000_000))
    after = Counters.of_self()
    assert after.cpu > before.cpu
    assert after.minflt >= before.minflt
    assert after.voluntary >= before.voluntary >= 0
