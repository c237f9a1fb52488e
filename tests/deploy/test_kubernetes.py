"""Both kustomize overlays render, and what they render agrees with the gateway and the image.

Rendered with ``kubectl kustomize`` (Debian's kubernetes-client, kustomize v2; newer kubectl
renders the same files). The ConfigMaps are written out as the pod would see them and loaded
by the gateway's own loader with the pod's environment (secrets absent: each is optional).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from proxy.config.loader import LoadedConfig
from sluicegate import __version__
from tests.deploy.artifacts import (
    ROOT,
    dockerfile,
    env_of,
    final_stage,
    kustomize,
    load_files,
    port_of,
)

OVERLAYS = ("single", "fleet")
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    docs = kustomize(request.param)
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    assert len(by_kind) == len(docs)
    return request.param, by_kind


def _get(docs: dict[tuple[str, str], dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for (k, _), d in docs.items() if k == kind]


def _gateway(docs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    return docs[("Deployment", "sluicegate")]


def _container(docs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    (container,) = _gateway(docs)["spec"]["template"]["spec"]["containers"]
    return container


def _plain_env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def _config_maps(docs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Mounted files by ConfigMap name prefix (the hash suffix differs per content)."""
    return {
        name.rsplit("-", 1)[0]: d["data"] for (kind, name), d in docs.items() if kind == "ConfigMap"
    }


def _loaded(docs: dict[tuple[str, str], dict[str, Any]], directory: Path) -> LoadedConfig:
    """The config as the pod reads it: config.toml via subPath, policies/ as a directory."""
    maps = _config_maps(docs)
    files = {"config.toml": maps["sluicegate-config"]["config.toml"]}
    files.update({f"policies/{k}": v for k, v in maps["sluicegate-policies"].items()})
    return load_files(directory, files, _plain_env(_container(docs)))


def test_probes_and_ports_are_the_configs_listeners(rendered: Any, tmp_path: Path) -> None:
    _, docs = rendered
    container = _container(docs)
    loaded = _loaded(docs, tmp_path)
    server = loaded.config.server
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": port_of(server.listen[0]), "admin": port_of(server.admin_listen)}
    assert server.admin_listen.startswith("0.0.0.0:")  # kubelet reaches it on the pod IP
    probes = {
        k: container[k]["httpGet"] for k in ("startupProbe", "readinessProbe", "livenessProbe")
    }
    assert {p["port"] for p in probes.values()} == {"admin"}
    assert probes["readinessProbe"]["path"] == "/-/ready"
    assert probes["livenessProbe"]["path"] == probes["startupProbe"]["path"] == "/-/health"
    assert _plain_env(container)["SLUICEGATE_CONFIG"] == "/etc/sluicegate/config.toml"
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/etc/sluicegate/config.toml"]["subPath"] == "config.toml"
    assert mounts["/etc/sluicegate/policies"]["readOnly"] is True


def test_the_grace_period_covers_the_prestop_and_the_drain(rendered: Any, tmp_path: Path) -> None:
    _, docs = rendered
    pod = _gateway(docs)["spec"]["template"]["spec"]
    prestop = _container(docs)["lifecycle"]["preStop"]["exec"]["command"]
    assert prestop[0] == "sleep"
    drain = _loaded(docs, tmp_path).config.server.shutdown_timeout
    slack = pod["terminationGracePeriodSeconds"] - (int(prestop[1]) + drain)
    assert 0 < slack <= 10  # SIGKILL never cuts a drain short, and pods do not linger


def test_the_pod_runs_as_the_image_user_read_only_with_limits(rendered: Any) -> None:
    _, docs = rendered
    pod = _gateway(docs)["spec"]["template"]["spec"]
    container = _container(docs)
    image_env = env_of(final_stage(dockerfile()))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the Dockerfile's USER
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert container["image"] == f"sluicegate:{__version__}"
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["resources"]["limits"]["memory"]
    # Every writable path the image names is an emptyDir here; nothing else is writable.
    volumes = {v["name"]: v for v in pod["volumes"]}
    writable = {
        m["mountPath"] for m in container["volumeMounts"] if "emptyDir" in volumes[m["name"]]
    }
    keys_dir = str(Path(image_env["SLUICEGATE_KEYS_URL"].removeprefix("sqlite:///")).parent)
    assert writable == {"/tmp", keys_dir}


def test_secrets_are_optional_references_never_values(rendered: Any, tmp_path: Path) -> None:
    overlay, docs = rendered
    container = _container(docs)
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert {"SLUICEGATE_ADMIN_TOKEN", "GROQ_API_KEY", "OPENROUTER_API_KEY"} <= set(refs)
    assert all(r["name"] == "sluicegate-secrets" and r["optional"] for r in refs.values())
    assert ("REDIS_URL" in refs) == (overlay == "fleet")
    assert not _get(docs, "Secret")
    assert _loaded(docs, tmp_path).config.server.admin_token is None  # none set: probes open


def test_the_configmap_config_passes_sluicegate_check_and_its_tests(
    rendered: Any, tmp_path: Path
) -> None:
    """As an operator would run them (a process: `test` sets up its own logging)."""
    overlay, docs = rendered
    loaded = _loaded(docs, tmp_path)
    assert loaded.config.state.backend == ("redis" if overlay == "fleet" else "memory")
    env = {**os.environ, **_plain_env(_container(docs))}
    # the fleet's policy tests would need its redis; `check` is what the issue asks of both
    for command in ("check", "test") if overlay == "single" else ("check",):
        done = subprocess.run(
            [sys.executable, "-m", "proxy", command, "-c", str(tmp_path / "config.toml")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ok: config" in done.stdout or " 0 failed" in done.stdout


def test_services_keep_the_admin_port_internal(rendered: Any) -> None:
    _, docs = rendered
    public = docs[("Service", "sluicegate")]
    assert [p["targetPort"] for p in public["spec"]["ports"]] == ["http"]
    admin = docs[("Service", "sluicegate-admin")]
    assert admin["spec"]["type"] == "ClusterIP"
    (policy,) = _get(docs, "NetworkPolicy")
    pod_labels = _gateway(docs)["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    by_port = {r["ports"][0]["port"]: r for r in policy["spec"]["ingress"]}
    assert set(by_port) == {"http", "admin"}
    assert by_port["admin"]["from"]  # only from named sources (Prometheus' namespace)
    (monitor,) = _get(docs, "ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= admin["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "admin" and endpoint["path"] == "/-/metrics"


def test_disruption_budget_and_autoscaling(rendered: Any) -> None:
    overlay, docs = rendered
    deployment = _gateway(docs)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    (pdb,) = _get(docs, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpas = _get(docs, "HorizontalPodAutoscaler")
    if overlay == "single":
        assert deployment["spec"]["replicas"] == 1 and hpas == []  # memory state: one pod
        return
    (hpa,) = hpas
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"] > 1


def test_the_prometheusrule_holds_exactly_the_rules_promtool_checks(
    rendered: Any, tmp_path: Path
) -> None:
    _, docs = rendered
    (rule,) = _get(docs, "PrometheusRule")
    source = yaml.safe_load(RULES.read_text())
    assert rule["spec"] == source, (
        "deploy/prometheus/alerts.yml changed: run deploy/kubernetes/sync-rules.sh"
    )
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: scripts/bootstrap.sh --system installs prometheus"
    extracted = tmp_path / "rules.yml"
    extracted.write_text(yaml.safe_dump(rule["spec"]))
    check = subprocess.run(
        [promtool, "check", "rules", str(extracted)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    count = sum(len(g["rules"]) for g in source["groups"])
    assert f"SUCCESS: {count} rules found" in check.stdout


def test_a_config_change_rolls_the_pods() -> None:
    """The reload strategy: the ConfigMap name carries a hash of its content, so an edit is a
    new name in the pod template, which is a rolling update (docs/deploy.md says why)."""
    first = {d["metadata"]["name"] for d in kustomize("single") if d["kind"] == "ConfigMap"}
    overlay = ROOT / "deploy" / "kubernetes" / "overlays" / "single" / "config.toml"
    original = overlay.read_text()
    try:
        overlay.write_text(original + "\n# edited\n")
        docs = kustomize("single")
    finally:
        overlay.write_text(original)
    second = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    changed = second - first
    assert len(changed) == 1 and next(iter(changed)).startswith("sluicegate-config-")
    deployment = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "sluicegate"
    )
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    assert next(iter(changed)) in [v.get("configMap", {}).get("name") for v in volumes]
