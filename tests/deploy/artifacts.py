"""Reading the deploy artefacts the way their tools do: the Dockerfile, kustomize output, the
gateway's own config loader. Shared by the container, Kubernetes and Compose tests."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from proxy.config.loader import LoadedConfig, load_config

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form instruction (ENTRYPOINT, CMD, HEALTHCHECK's CMD)."""
        start = self.value.index("[")
        parsed = json.loads(self.value[start:])
        assert isinstance(parsed, list)
        return [str(p) for p in parsed]


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """Instructions in order, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, value = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), re.sub(r"\s+", " ", value).strip()))
        pending = ""
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    return instructions[last:]


def env_of(stage: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in stage:
        if ins.keyword == "ENV":
            for pair in shlex.split(ins.value):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def port_of(address: str) -> int:
    return int(address.rpartition(":")[2])


def kustomize(overlay: str) -> list[dict[str, Any]]:
    """``kubectl kustomize`` of one overlay (Debian's kubernetes-client or newer)."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: scripts/bootstrap.sh --system installs kubernetes-client"
    done = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def load_files(directory: Path, files: dict[str, str], env: dict[str, str]) -> LoadedConfig:
    """Write config.toml + policies/*.toml as a mount would lay them out, and load them."""
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return load_config(directory / "config.toml", env=env)
