"""services.keep: objects that outlive a reload, by plugin place and name, and nothing else."""

from __future__ import annotations

import httpx

from proxy.observe.metrics import Metrics
from proxy.plugin import Kept, Services
from proxy.state.memory import MemoryStore


def _services(kept: Kept) -> Services:
    return Services(store=MemoryStore(), metrics=Metrics(), kept=kept)


def test_the_same_place_and_name_get_the_same_object_after_a_reload() -> None:
    old = _services(Kept())
    lru = old.for_plugin("public[2]").keep("lru:64MiB", dict)
    other = old.for_plugin("internal[0]").keep("lru:64MiB", dict)
    assert lru is not other  # another policy's plugin has its own
    new = _services(Kept(old.kept))
    assert new.for_plugin("public[2]").keep("lru:64MiB", dict) is lru
    made: list[int] = []
    resized = new.for_plugin("public[2]").keep("lru:128MiB", lambda: made.append(1) or {})
    assert resized is not lru and made == [1]  # a changed name is a fresh object


def test_what_the_new_runtime_does_not_claim_is_let_go() -> None:
    old = _services(Kept())
    old.for_plugin("gone[0]").keep("lru", dict)
    kept = Kept(old.kept)
    kept.seal()  # the new runtime is built and did not ask for it
    newer = Kept(kept)
    assert newer.get("gone[0]", "lru", lambda: "fresh") == "fresh"


async def test_plugin_views_share_one_http_client_closed_once() -> None:
    made: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        made.append(httpx.AsyncClient())
        return made[-1]

    root = Services(store=MemoryStore(), metrics=Metrics(), http_factory=factory)
    a, b = root.for_plugin("p[0]"), root.for_plugin("p[1]")
    assert a.http is b.http is root.http and len(made) == 1
    await root.close()
    assert made[0].is_closed
