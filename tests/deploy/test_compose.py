"""The Compose fleet hangs together: two gateways on the image, redis, Prometheus scraping both
with the alert rules, Grafana with the dashboard; its config passes ``sluicegate check``.

No Docker engine runs in CI, so the file is read as Compose would read it (anchors merged,
relative mounts resolved against deploy/compose/) and every cross-reference is followed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from proxy.cli import main
from sluicegate import __version__
from tests.deploy.artifacts import ROOT, dockerfile, env_of, final_stage, load_files, port_of

HERE = ROOT / "deploy" / "compose"
COMPOSE = yaml.safe_load((HERE / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
GATEWAYS = sorted(name for name in SERVICES if name.startswith("gateway-"))
IMAGE_ENV = env_of(final_stage(dockerfile()))


def _mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """container path -> (source, mode); bind sources resolved against deploy/compose/."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        if source.startswith("."):
            source = str((HERE / source).resolve())
        mounts[target] = (source, mode[0] if mode else "rw")
    return mounts


def test_two_gateways_redis_prometheus_and_grafana() -> None:
    assert GATEWAYS == ["gateway-a", "gateway-b"]
    assert {"redis", "prometheus", "grafana"} <= set(SERVICES)
    for name, service in SERVICES.items():
        for target, (source, _) in _mounts(service).items():
            assert source in COMPOSE.get("volumes", {}) or Path(source).exists(), (name, target)


@pytest.mark.parametrize("name", GATEWAYS)
def test_each_gateway_is_the_image_run_read_only(name: str) -> None:
    service = SERVICES[name]
    assert service["build"]["dockerfile"] == "Dockerfile"
    assert (HERE / service["build"]["context"]).resolve() == ROOT
    assert service["image"] == f"sluicegate:{__version__}"
    assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
    mounts = _mounts(service)
    config_dir = str(Path(IMAGE_ENV["SLUICEGATE_CONFIG"]).parent)
    assert mounts[config_dir] == (str(HERE / "config"), "ro")
    keys_dir = str(Path(IMAGE_ENV["SLUICEGATE_KEYS_URL"].removeprefix("sqlite:///")).parent)
    assert mounts[keys_dir][0] in COMPOSE["volumes"]  # the shared, writable keys store
    env = service["environment"]
    published = {p.rsplit(":", 1)[1]: p for p in service["ports"]}
    assert set(published) == {
        str(port_of(env["SLUICEGATE_LISTEN"])),
        str(port_of(env["SLUICEGATE_ADMIN_LISTEN"])),
    }
    admin = published[str(port_of(env["SLUICEGATE_ADMIN_LISTEN"]))]
    assert admin.startswith("127.0.0.1:")  # the admin port never leaves the laptop
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_gateway_config_passes_check_with_the_compose_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: v for k, v in SERVICES["gateway-a"]["environment"].items() if "${" not in v}
    files = {
        str(p.relative_to(HERE / "config")): p.read_text()
        for p in (HERE / "config").rglob("*.toml")
    }
    loaded = load_files(tmp_path, files, env)
    assert loaded.config.state.backend == "redis"
    assert loaded.config.state.url == "redis://redis:6379/0"
    assert "redis" in SERVICES
    assert loaded.config.keys.url == IMAGE_ENV["SLUICEGATE_KEYS_URL"]
    grace = SERVICES["gateway-a"]["stop_grace_period"]
    assert float(grace.removesuffix("s")) > loaded.config.server.shutdown_timeout
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["check", "-c", str(tmp_path / "config.toml")]) == 0


def test_prometheus_scrapes_both_admin_listeners_and_loads_the_alert_rules() -> None:
    prometheus = SERVICES["prometheus"]
    mounts = _mounts(prometheus)
    config = yaml.safe_load(Path(mounts["/etc/prometheus/prometheus.yml"][0]).read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/-/metrics"
    admin_port = port_of(SERVICES["gateway-a"]["environment"]["SLUICEGATE_ADMIN_LISTEN"])
    assert job["static_configs"][0]["targets"] == [f"{g}:{admin_port}" for g in GATEWAYS]
    (rules,) = config["rule_files"]
    assert mounts[rules][0] == str(ROOT / "deploy" / "prometheus" / "alerts.yml")


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboard() -> None:
    grafana = SERVICES["grafana"]
    mounts = _mounts(grafana)
    provisioning = Path(mounts["/etc/grafana/provisioning"][0])
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "sluicegate.yml").read_text())[
        "providers"
    ]
    folder = provider["options"]["path"]
    dashboards = {t: s for t, (s, _) in mounts.items() if t.startswith(folder + "/")}
    assert list(dashboards.values()) == [str(ROOT / "deploy" / "grafana" / "sluicegate.json")]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home in dashboards
    dashboard = json.loads(Path(dashboards[home]).read_text())
    assert dashboard["uid"] == "sluicegate" and dashboard["panels"]
