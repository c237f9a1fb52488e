"""What a runtime key costs on the request path, next to a key from a key file.

Drives the real ``Gateway`` in process, like ``core_overhead`` (same fixed upstream, same
request), three times over one policy with ``api_key``: a key from a key file, the same
kind of key made through the admin API (``source = "store"``, 1,000 keys in the SQLite
store, polled every 250 ms in the background as in production), and a store key whose team
has a monthly budget (a reservation and a settlement in the state store per request).
It prints µs per request for each and the difference to the file key; the issue's target
is at most +50 µs for the store key.

    python -m benchmarks.keys_overhead [-n 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
from pathlib import Path

import orjson

from benchmarks.core_overhead import FixedUpstream, run
from benchmarks.payloads import BODIES
from plugins._keys import hash_key
from proxy.app import Gateway
from proxy.config.loader import load_config
from proxy.keys.models import KeyCreate, TeamCreate
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime

FILE_KEY = "sk-bench-file-key-0123456789abcdef"
CONFIG = """
[server]
listen = ["127.0.0.1:8080"]
admin_listen = "127.0.0.1:9901"

[keys]
url = "sqlite:///keys.db"

[providers.bench]
type = "openai"
base_url = "http://127.0.0.1:8081/v1"
api_key = "bench"

[upstreams.bench]
targets = [{ provider = "bench" }]

[[routes]]
match = { path_prefix = "/v1/" }
policy = "keys"
upstream = "bench"
"""
POLICY = '[[plugins]]\nuse = "api_key"\nsource = "both"\nkeys_file = "keys.toml"\n'


async def measure(folder: Path, count: int, rounds: int, body: bytes) -> dict[str, list[float]]:
    (folder / "policies").mkdir()
    (folder / "policies/keys.toml").write_text(
        POLICY.replace("keys.toml", str(folder / "keys.toml"))
    )
    (folder / "keys.toml").write_text(f'[[keys]]\nid = "bench"\nhash = "{hash_key(FILE_KEY)}"\n')
    (folder / "config.toml").write_text(CONFIG)
    runtime = Runtime.build(
        load_config(folder / "config.toml"), Metrics(), access_stream=io.BytesIO()
    )
    for provider in runtime.providers.values():
        provider.client = FixedUpstream()
    gateway = Gateway(runtime, 1.0)
    await runtime.open()
    runtime.start()
    store = runtime.keys.store
    store.create_team(TeamCreate(name="plain"), "bench")
    store.create_team(TeamCreate(name="budgeted", budget_usd=1e9), "bench")
    plain = ""
    for n in range(1000):
        plain = store.create_key(KeyCreate(team="plain", name=f"k{n}"), "bench")["key"]
    budgeted = store.create_key(KeyCreate(team="budgeted"), "bench")["key"]
    await runtime.keys.refresh()
    cases = {"file key": FILE_KEY, "store key": plain, "store key, team budget": budgeted}
    results: dict[str, list[float]] = {name: [] for name in cases}
    for key in cases.values():  # warm caches and lazily built children
        await run(gateway, body, 500, [(b"authorization", f"Bearer {key}".encode())])
    for _ in range(rounds):  # interleaved, so a disturbance hits every case alike
        for name, key in cases.items():
            header = [(b"authorization", f"Bearer {key}".encode())]
            results[name].append(await run(gateway, body, count, header))
    await runtime.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    body = orjson.dumps(BODIES["chat"])
    with tempfile.TemporaryDirectory(prefix="sluicegate-keys-bench-") as folder:
        results = asyncio.run(measure(Path(folder), args.count, args.rounds, body))
    base = min(results["file key"])
    for name, values in results.items():
        best = min(values)
        print(
            f"{name:24} best {best:6.1f} µs/request, median {statistics.median(values):6.1f}, "
            f"{best - base:+.1f} µs over the file key ({args.rounds} x {args.count})"
        )


if __name__ == "__main__":
    main()
