"""benchmarks.socket_ab reads what it says it reads: a variant's config from the tree it names
(this checkout, a directory), a bad ``--run`` refused before anything starts, and the worker's
counters from /proc growing as the process works."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from benchmarks.socket_ab import ROOT, Counters, drive, parse_variant


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


def test_a_system_variant_runs_the_system_s_config_less_the_plugins_named() -> None:
    variant = parse_variant("rest=system:gateway-full~input_scan~jwt", {}, Path("/tmp"))
    assert variant.config == ROOT / "benchmarks/configs/full.toml"
    assert (variant.system, variant.without) == ("gateway-full", ("input_scan", "jwt"))
    with pytest.raises(SystemExit, match="a command, not a gateway config"):
        parse_variant("x=system:floor~jwt", {}, Path("/tmp"))


def test_a_floor_system_variant_runs_its_command() -> None:
    variant = parse_variant("rsgi=system:floor-granian-rsgi-whole", {}, Path("/tmp"))
    assert variant.config is None and variant.tree == ROOT
    assert variant.command[-3:] == ("--interface", "rsgi", "--whole")


def test_drive_sends_exactly_each_request_and_counts_what_was_not_200() -> None:
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):  # the client closed
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                seen.append(head + await reader.readexactly(length))
                status = b"503 Busy" if len(seen) % 4 == 0 else b"200 OK"
                writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 2\r\n\r\n{}")
        writer.close()

    async def run() -> int:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await drive(port, b'{"a": 1}', 3, 4, [("authorization", "Bearer t")])

    failed = asyncio.run(run())
    assert len(seen) == 12 and failed == 3
    assert all(r.endswith(b'authorization: Bearer t\r\n\r\n{"a": 1}') for r in seen)
