"""The image is built from the Dockerfile and run, without Docker: podman on a Debian root
filesystem made by debootstrap (deploy/container/build-local.sh). ~1.5 min with the base
cached in /var/tmp/sluicegate-image, ~5 min the first time on a machine."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.deploy.artifacts import ROOT
from tests.fixtures.ports import free_port


@pytest.mark.slow
def test_the_image_builds_and_serves_read_only_as_a_non_root_pid_1() -> None:
    for tool in ("podman", "runc", "debootstrap", "curl"):
        assert shutil.which(tool), f"{tool} is missing: scripts/bootstrap.sh --system installs it"
    env = {
        **os.environ,
        "SMOKE_PORT": str(free_port()),
        "SMOKE_ADMIN_PORT": str(free_port()),
    }
    done = subprocess.run(
        [str(ROOT / "deploy" / "container" / "build-local.sh"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "smoke: localhost/sluicegate:" in done.stdout
    for claim in (
        "uid 10001",
        "read-only root",
        "HEALTHCHECK ok",
        "PID 1 is the gateway",
        "SIGHUP reloaded",
        "SIGTERM exited 0",
    ):
        assert claim in done.stdout
