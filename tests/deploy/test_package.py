"""The distribution stands alone: built, checked, installed into a fresh venv, served, extended.

One sdist + wheel per module (``python -m build``, isolated as a user's build would be), one
fresh venv with the wheel and its dependencies really installed (from pip's warm cache, no
``--system-site-packages``), and every command run from a temp folder with no ``PYTHONPATH``,
so nothing can come from this checkout. About 30 s on the 2-core CI machine, most of it pip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sluicegate import __version__
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "Hello"}]}


@dataclass(frozen=True)
class Installed:
    dist: Path
    venv: Path
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )


def _clean_env() -> dict[str, str]:
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "SLUICEGATE_CONFIG"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("package")
    dist, venv = base / "dist", base / "venv"
    env = _clean_env()
    for command in (
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        [sys.executable, "-m", "venv", str(venv)],
    ):
        done = subprocess.run(
            command, cwd=base, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("sluicegate-*.whl")
    result = Installed(dist, venv, env)
    done = result.run(result.bin("pip"), "install", "-q", str(wheel), cwd=base, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return result


def test_sdist_and_wheel_pass_twine_and_carry_the_version_and_the_templates(
    installed: Installed,
) -> None:
    files = sorted(installed.dist.iterdir())
    assert [f.name for f in files] == [
        f"sluicegate-{__version__}-py3-none-any.whl",
        f"sluicegate-{__version__}.tar.gz",
    ]
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert twine.returncode == 0, twine.stdout + twine.stderr
    names = zipfile.ZipFile(files[0]).namelist()
    for shipped in (
        "sluicegate/api.py",
        "sluicegate/py.typed",
        "sluicegate/templates/minimal/config.toml",
        "sluicegate/templates/minimal/policies/default.toml",
        "sluicegate/templates/production/policies/public.toml",
        "proxy/cli.py",
        "plugins/jwt.py",
        "scanners/__init__.py",
    ):
        assert shipped in names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]
    # The packaged default is the checkout's default, byte for byte (symlinks resolved).
    wheel = zipfile.ZipFile(files[0])
    assert (
        wheel.read("sluicegate/templates/minimal/config.toml")
        == (ROOT / "config.toml").read_bytes()
    )


def test_the_installed_gateway_serves_the_readme_curl_from_an_empty_folder(
    installed: Installed, tmp_path: Path
) -> None:
    where = installed.run(
        installed.bin("python"),
        "-c",
        "import proxy, plugins, sluicegate; print(proxy.__file__, sluicegate.__file__)",
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout and str(installed.venv) in where.stdout
    version = installed.run(installed.bin("sluicegate"), "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"sluicegate {__version__}"

    port, admin = free_port(), free_port()
    env = {
        **installed.env,
        "SLUICEGATE_LISTEN": f"127.0.0.1:{port}",
        "SLUICEGATE_ADMIN_LISTEN": f"127.0.0.1:{admin}",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [installed.bin("sluicegate"), "serve"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(f"http://127.0.0.1:{admin}", process, log)
        reply = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=CHAT, timeout=30)
        assert reply.status_code == 200, reply.text
        assert reply.json()["choices"][0]["message"]["content"].endswith("Hello")
        assert reply.headers["x-request-id"]
        status = httpx.get(f"http://127.0.0.1:{admin}/-/status", timeout=10).json()
        assert status["version"] == __version__
        assert "site-packages" in status["config_file"]
        assert list(status["policies"]) == ["default"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    assert code == 0, log.read_text()
    assert "built-in default" in log.read_text()
    # What the built-in config writes (the keys store) lands in the working directory.
    assert (tmp_path / "sluicegate.db").is_file()
    assert not list(installed.venv.rglob("sluicegate.db"))


def test_init_writes_templates_that_pass_check_and_their_tests(
    installed: Installed, tmp_path: Path
) -> None:
    sg = installed.bin("sluicegate")
    env = {**installed.env, "JWT_HS256_SECRET": "x" * 40}  # the production public policy's
    elsewhere = tmp_path / "elsewhere"  # keys.toml is found beside config.toml, not in cwd
    elsewhere.mkdir()
    for template in ("minimal", "production"):
        made = installed.run(
            sg, "init", str(tmp_path / template), "--template", template, cwd=tmp_path
        )
        assert made.returncode == 0, made.stderr
        for command in ("check", "test"):
            done = subprocess.run(
                [sg, command, "-c", str(tmp_path / template / "config.toml")],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert command == "check" or " 0 failed" in done.stdout
    again = installed.run(sg, "init", str(tmp_path / "minimal"), cwd=tmp_path)
    assert again.returncode == 1 and "would overwrite" in again.stderr


def test_a_third_party_plugin_installs_against_the_wheel_and_its_tests_pass(
    installed: Installed, tmp_path: Path
) -> None:
    project = tmp_path / "acme_guards"
    shutil.copytree(
        ROOT / "examples" / "acme_guards",
        project,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    done = installed.run(installed.bin("pip"), "install", "-q", f"{project}[test]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    tests = installed.run(
        installed.bin("pytest"), "-q", "-p", "no:cacheprovider", "tests", cwd=project
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    where = installed.run(
        installed.bin("python"),
        "-c",
        "import acme_guards; print(acme_guards.__file__)",
        cwd=tmp_path,
    )
    assert str(installed.venv) in where.stdout


def _wait_ready(admin_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"sluicegate serve exited {process.returncode}:\n{log.read_text()}"
            )
        try:
            if httpx.get(f"{admin_url}/-/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not ready within 60 s:\n{log.read_text()}")
