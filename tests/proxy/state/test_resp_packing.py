"""Commands packed once (``OneKeyCall``, ``Script.command``) are byte for byte what hiredis
packs for the whole command, whatever the key and arguments."""

from __future__ import annotations

from typing import Any

import hiredis
import pytest

from proxy.state.packing import Script

SCRIPT = Script("return ARGV[1]")


@pytest.mark.parametrize(
    "args",
    [[], ["1.0"], ["1000000.0", 1000000, 1], [b"\x00\r\n", 0, -5, "x" * 300], ["é"]],
    ids=["none", "one", "gcra", "binary-negative-long", "unicode"],
)
@pytest.mark.parametrize(
    "key", ["k", "sluicegate:rl:{rate_limit:a:b:1/1+0:ip:203.0.113.9}", "ключ{é}", "x" * 1000]
)
def test_one_key_call_packs_what_hiredis_packs(key: str, args: list[Any]) -> None:
    whole = hiredis.pack_command(("EVALSHA", SCRIPT.sha, 1, key, *args))
    assert SCRIPT.on_one_key(args).command(key) == whole
    assert SCRIPT.command([key], args) == whole


def test_a_script_call_on_no_or_two_keys_packs_them_all() -> None:
    assert SCRIPT.command([], ["a"]) == hiredis.pack_command(("EVALSHA", SCRIPT.sha, 0, "a"))
    two = hiredis.pack_command(("EVALSHA", SCRIPT.sha, 2, "k{t}", "k{t}:seq", "9"))
    assert SCRIPT.command(["k{t}", "k{t}:seq"], ["9"]) == two
