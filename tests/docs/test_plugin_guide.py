"""docs/plugins.md's example plugin works for every method, and the guide and examples/ import
sluicegate only through its public API (sluicegate.api, sluicegate.testing)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sluicegate.api import Plugin
from sluicegate.testing import FakeUpstream, Harness

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
_PYTHON = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INTERNAL = re.compile(r"^\s*(?:from|import)\s+(proxy|plugins|scanners)\b", re.MULTILINE)


def example_plugin() -> type[Plugin]:
    block = next(b for b in _PYTHON.findall(GUIDE.read_text()) if "class ModelAllowlist" in b)
    namespace: dict[str, Any] = {}
    exec(compile(block, str(GUIDE), "exec"), namespace)
    cls = namespace["ModelAllowlist"]
    assert issubclass(cls, Plugin)
    return cls


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "DELETE", "POST", "PUT", "PATCH"])
async def test_the_guides_example_plugin_answers_every_method(method: str) -> None:
    upstream = FakeUpstream()
    harness = Harness([(example_plugin(), {"allow": ["chat-fast"]})], upstream)
    bare = await harness.request(method, "/v1/models")
    assert bare.status == 200, bare.body
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        allowed = await harness.request(method, json={"model": "chat-fast"})
        refused = await harness.request(method, json={"model": "gpt-x"})
        form = await harness.request(method, body=b"a=1", headers={"content-type": "text/plain"})
        assert (allowed.status, refused.status, form.status) == (200, 403, 200)
        assert refused.json()["error"]["type"] == "model_not_allowed"
    await harness.close()


def test_the_guide_and_the_examples_import_only_the_public_api() -> None:
    sources = {str(GUIDE): "\n".join(_PYTHON.findall(GUIDE.read_text()))}
    sources |= {str(p): p.read_text() for p in (ROOT / "examples").rglob("*.py")}
    leaks = {name: _INTERNAL.findall(text) for name, text in sources.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
