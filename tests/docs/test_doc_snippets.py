"""Every TOML snippet in docs/ loads (issue 14: the custom-rules example did not).

Each ```toml block parses, then validates against what it is a piece of:

- a block with a `plugins` list is a policy file: `PolicyFile`, and each entry's options
  against the `Options` of the plugin it names;
- `<!-- snippet: config.toml [a.b] -->` before the block: a fragment of the table `a.b` of
  the shipped `config.toml`, merged over it, then `Config`;
- `<!-- snippet: keys file -->`: api_key's key file (`KeyEntry` per `[[keys]]`);
- `<!-- snippet: pyproject.toml -->`: parsed only (packaging, not ours to validate);
- any other block: a fragment of `config.toml` at its root, merged over the shipped one.

`${VAR}` references are interpolated from a fixed environment, as `load_config` would.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from plugins._keys import KeyEntry
from proxy.config.loader import _interpolate, _merge
from proxy.config.models import Config
from proxy.config.policyfile import PolicyFile
from proxy.plugin import Registry

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
_BLOCK = re.compile(
    r"^(?:<!-- snippet: (?P<kind>[^>]*?) -->\n)?```toml\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)
ENV = {
    "JWKS_URL": "https://auth.example.com/.well-known/jwks.json",
    "JWT_HS256_SECRET": "x" * 32,
    "SLUICEGATE_ADMIN_TOKEN": "t" * 32,
    "GROQ_API_KEY": "k",
    "OPENROUTER_API_KEY": "k",
    "HF_TOKEN": "k",
    "OPENAI_API_KEY": "k",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def snippets() -> list[Any]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            line = text.count("\n", 0, m.start("body"))
            found.append(pytest.param(m.group("kind") or "", m.group("body"),
                                      id=f"{page.name}:{line}"))  # fmt: skip
    return found


def shipped_config() -> dict[str, Any]:
    raw = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    return dict(_interpolate(raw, "config.toml", "", ENV))


def test_the_docs_hold_toml_snippets() -> None:
    assert len(snippets()) >= 30


@pytest.mark.parametrize(("kind", "snippet"), snippets())
def test_snippet_loads(kind: str, snippet: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _interpolate(tomllib.loads(snippet), "doc", "", ENV)
    if kind == "pyproject.toml":
        return
    if kind == "keys file":
        assert raw["keys"]
        for entry in raw["keys"]:
            KeyEntry.model_validate(entry)
    elif "plugins" in raw or "tests" in raw:
        monkeypatch.syspath_prepend(str(ROOT / "examples" / "acme_guards"))
        policy = PolicyFile.model_validate(raw)
        registry = Registry()
        for entry in policy.plugins:
            registry.resolve(entry.use).Options.model_validate(entry.model_extra or {})
    else:
        at = re.fullmatch(r"config\.toml(?: \[([\w.-]+)\])?", kind or "config.toml")
        assert at, f"unknown snippet kind {kind!r}"
        for key in reversed(at.group(1).split(".") if at.group(1) else []):
            raw = {key: raw}
        Config.model_validate(_merge(shipped_config(), raw))
