"""``sluicegate explain``: what a policy does, plugin by plugin, in plain words."""

from __future__ import annotations

import sys
from typing import Any

from proxy.config.loader import Policy
from proxy.plugin import implemented_hooks

_PHASES = {
    "on_request": "request",
    "on_response": "response",
    "on_chunk": "body",
    "on_complete": "complete",
}


def explain_policy(policy: Policy) -> str:
    lines = [f"policy {policy.name} ({policy.file})"]
    if policy.model.description:
        lines.append(f"  {policy.model.description}")
    if not policy.plugins:
        lines.append("  no plugins: requests go straight to the upstream")
    for index, spec in enumerate(policy.plugins):
        entry = spec.entry
        phases = ", ".join(_PHASES[h] for h in implemented_hooks(spec.cls))
        lines.append(f"  {index + 1}. {entry.use} — {_summary(spec.cls)}")
        lines.append(
            f"     runs in: {phases or 'no phase'}"
            + ("; reads the request body" if spec.cls.needs_request_body else "")
        )
        if entry.mode == "monitor":
            lines.append("     mode: monitor — records what it would do, never blocks")
        if entry.when is not None:
            lines.append(f"     only when: {entry.when.model_dump(exclude_none=True)}")
        for key, value in _options(spec.options.model_dump()).items():
            lines.append(f"     {key} = {value}")
    if policy.model.tests:
        lines.append(
            f"  {len(policy.model.tests)} tests (run them with `sluicegate test {policy.name}`)"
        )
    lines.append(
        "  order: request phase top to bottom; response, body and complete phases bottom to top"
    )
    return "\n".join(lines)


def _summary(cls: type) -> str:
    module = sys.modules.get(cls.__module__)
    doc = (module.__doc__ if module else None) or cls.__doc__
    return (doc or "").strip().split("\n")[0] or cls.__name__


_SECRET_WORDS = ("secret", "key", "token", "password")


def _options(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (
            "***"
            if any(w in k.lower() for w in _SECRET_WORDS)
            and isinstance(v, str)
            and not k.endswith(("_env", "_file", "_url"))
            else v
        )
        for k, v in values.items()
    }
