"""The Dockerfile agrees with the gateway: user, ports, paths, healthcheck and entrypoint.

No Docker engine runs in CI and base images cannot be pulled; the image itself is built and run
by ``deploy/container/build-local.sh --smoke`` (podman on a debootstrap base, test_image.py).
Here the Dockerfile is read and what it says is run for real, in seconds: its ENV
against the config it writes to /etc/sluicegate, its ENTRYPOINT with signals, its HEALTHCHECK
command against a live and a dead admin port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from proxy.scaffold import template_dir
from tests.deploy.artifacts import (
    ROOT,
    Instruction,
    dockerfile,
    env_of,
    final_stage,
    load_files,
    port_of,
)
from tests.fixtures.ports import free_port

STAGES = dockerfile()
RUNTIME = final_stage(STAGES)
ENV = env_of(RUNTIME)
UID = 10001


def _one(keyword: str, stage: list[Instruction] = RUNTIME) -> Instruction:
    (found,) = [i for i in stage if i.keyword == keyword]
    return found


def test_two_stages_on_a_slim_debian_python_base() -> None:
    froms = [i.value for i in STAGES if i.keyword == "FROM"]
    assert len(froms) == 2 and all(v.startswith("${PYTHON_IMAGE}") for v in froms)
    (arg,) = [i.value for i in STAGES if i.keyword == "ARG" and i.value.startswith("PYTHON_")]
    image = arg.partition("=")[2]
    assert image.startswith("python:3.1") and image.endswith("-slim-bookworm")
    copies = [i.value for i in RUNTIME if i.keyword == "COPY"]
    assert copies == ["--from=build /opt/sluicegate /opt/sluicegate"]  # no sources, no compilers


def test_a_non_root_user_owns_only_the_data_volume() -> None:
    assert _one("USER").value == f"{UID}:{UID}"
    (run,) = [i.value for i in RUNTIME if i.keyword == "RUN" and "useradd" in i.value]
    assert f"--uid {UID}" in run and f"--gid {UID}" in run
    data = Path(ENV["SLUICEGATE_KEYS_URL"].removeprefix("sqlite:///")).parent
    assert f"install -d -o {UID} -g {UID}" in run and str(data) in run
    assert _one("VOLUME").exec_form() == [str(data)]


def test_the_config_the_image_writes_reads_the_image_env(tmp_path: Path) -> None:
    """/etc/sluicegate is `sluicegate init` (the built-in template) read with the image's ENV:
    the listeners it binds are the ports the image exposes."""
    assert any(
        i.keyword == "RUN" and i.value.startswith("sluicegate init /etc/sluicegate")
        for i in RUNTIME
    )
    assert ENV["SLUICEGATE_CONFIG"] == "/etc/sluicegate/config.toml"
    assert _one("WORKDIR").value == "/etc/sluicegate"
    source = template_dir("minimal")
    files = {str(p.relative_to(source)): p.read_text() for p in source.rglob("*.toml")}
    loaded = load_files(tmp_path, files, ENV)
    server = loaded.config.server
    assert server.listen == [ENV["SLUICEGATE_LISTEN"]] and server.listen[0].startswith("0.0.0.0:")
    assert server.admin_listen == ENV["SLUICEGATE_ADMIN_LISTEN"]
    exposed = {int(p) for p in _one("EXPOSE").value.split()}
    assert exposed == {port_of(server.listen[0]), port_of(server.admin_listen)}
    assert loaded.config.keys.url == ENV["SLUICEGATE_KEYS_URL"]


def test_entrypoint_is_the_gateway_itself_and_stops_on_sigterm() -> None:
    assert _one("ENTRYPOINT").exec_form() == ["sluicegate", "serve"]  # exec form: PID 1
    assert _one("CMD").exec_form() == []
    assert _one("STOPSIGNAL").value == "SIGTERM"
    assert ENV["PATH"].startswith("/opt/sluicegate/bin:")
    assert ENV["PYTHONDONTWRITEBYTECODE"] == "1"  # nothing written beside the code


def test_dockerignore_lets_in_exactly_what_the_build_copies() -> None:
    rules = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert rules[0] == "*"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    build = [i for i in STAGES[: STAGES.index(RUNTIME[0])] if i.keyword == "COPY"]
    copied = {src.rstrip("/") for i in build for src in i.value.split()[:-1]}
    assert copied == allowed
    # The templates are symlinks into the repository: every target must be in the context.
    for link in (ROOT / "sluicegate" / "templates").rglob("*.toml"):
        target = link.resolve().relative_to(ROOT)
        assert any(str(target) == c or str(target).startswith(c + "/") for c in copied), target


@pytest.fixture
def image_like(tmp_path: Path) -> tuple[dict[str, str], int]:
    """The image's ENV on free loopback ports, with /etc/sluicegate and the data volume in
    tmp_path: what `docker run` would give the entrypoint."""
    etc, data = tmp_path / "etc", tmp_path / "data"
    data.mkdir()
    assert (
        subprocess.run(
            [sys.executable, "-m", "proxy", "init", str(etc)], capture_output=True
        ).returncode
        == 0
    )
    admin = free_port()
    env = {
        **os.environ,
        **{k: v for k, v in ENV.items() if k.startswith(("SLUICEGATE_", "PYTHON"))},
        "SLUICEGATE_CONFIG": str(etc / "config.toml"),
        "SLUICEGATE_KEYS_URL": f"sqlite:///{data}/sluicegate.db",
        "SLUICEGATE_LISTEN": f"127.0.0.1:{free_port()}",
        "SLUICEGATE_ADMIN_LISTEN": f"127.0.0.1:{admin}",
    }
    return env, admin


def test_the_entrypoint_reloads_on_sighup_drains_on_sigterm_and_the_healthcheck_follows(
    image_like: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, admin = image_like
    health = _one("HEALTHCHECK").exec_form()
    assert health[0] == "python" and "/-/ready" in health[-1]
    probe = [sys.executable, *health[1:]]
    assert subprocess.run(probe, env=env, capture_output=True).returncode != 0  # nothing yet

    log = (tmp_path / "serve.log").open("wb")
    entry = _one("ENTRYPOINT").exec_form()
    process = subprocess.Popen(
        [sys.executable, "-m", "proxy", *entry[1:]],
        cwd=tmp_path / "etc",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            if subprocess.run(probe, env=env, capture_output=True).returncode == 0:
                break
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        else:
            raise AssertionError("the HEALTHCHECK never passed")
        status = httpx.get(f"http://127.0.0.1:{admin}/-/status", timeout=10).json()
        policy = tmp_path / "etc" / "policies" / "default.toml"
        policy.write_text(policy.read_text().replace("request ids end to end", "edited"))
        process.send_signal(signal.SIGHUP)
        for _ in range(100):
            after = httpx.get(f"http://127.0.0.1:{admin}/-/status", timeout=10).json()
            if after["config_version"] != status["config_version"]:
                break
            time.sleep(0.1)
        assert after["config_version"] != status["config_version"]
        assert after["pid"] == status["pid"] == process.pid  # reloaded in place
        assert (tmp_path / "data" / "sluicegate.db").exists()  # the store is in the volume
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    assert code == 0
    assert subprocess.run(probe, env=env, capture_output=True).returncode != 0
