"""The backend registry is the one list of state backends: the config accepts exactly its
names, and what a backend can do is declared there, not guessed from its name or type."""

from __future__ import annotations

import typing

from proxy.config.models import StateConfig
from proxy.state import BACKENDS, MemoryStore, create_store


def test_the_config_accepts_exactly_the_registered_backends() -> None:
    annotation = StateConfig.model_fields["backend"].annotation
    assert set(typing.get_args(annotation)) == set(BACKENDS)


def test_shared_is_declared_and_carried_by_the_store() -> None:
    assert not BACKENDS["memory"].shared and BACKENDS["redis"].shared
    memory = create_store("memory", None, "allow", "x:")
    assert isinstance(memory, MemoryStore) and memory.shared is False
    for url in (
        "redis://127.0.0.1:1/0",
        "redis+cluster://127.0.0.1:1",
        "redis+sentinel://127.0.0.1:1/s",
    ):
        assert create_store("redis", url, "allow", "x:").shared is True


def test_each_url_form_gets_its_topology_client() -> None:
    kinds = {
        "redis://127.0.0.1:1/0": "single",
        "unix:///tmp/none.sock": "single",
        "redis+cluster://127.0.0.1:1,127.0.0.1:2": "cluster",
        "redis+sentinel://127.0.0.1:1/svc": "sentinel",
    }
    for url, kind in kinds.items():
        store = create_store("redis", url, "deny", "x:")
        assert store.topology()["kind"] == kind
