"""The shipped alert rules, fed with series scraped from a real gateway, fire on the first event.

The gateway is driven into each event alert's condition once — a budget refusal, a breaker
that opens, a rejected reload, a state store that is down — and scraped. Every series of the
alerted metrics becomes a promtool input series that did not exist before (``_`` samples) and
then holds the scraped value: the rules must fire on that first sample, with the labels the
gateway really exports. promtool's own unit tests (deploy/prometheus/alerts.test.yml) run too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.ports import free_port
from tests.fixtures.upstreams import FakeProvider

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"

DEAD_STATE = """
[state]
backend = "redis"
url = "redis://127.0.0.1:{dead}/0"
on_error = "allow"
"""

CONFIG = """
[providers.fake]
type = "openai"
base_url = "{url}"
api_key = "test"

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}
breaker = {{ failures = 1, open_for = "1h" }}
admission = {{ max_in_flight = 64 }}

[[routes]]
name = "metered"
match = {{ path_prefix = "/metered/" }}
policy = "spend"
upstream = "chat"

[[routes]]
name = "api"
match = {{ path_prefix = "/v1/" }}
policy = "limited"
upstream = "chat"
"""

SPEND = """
[[plugins]]
use = "budget"
key = "ip"
per_day = 1.0
estimate_cost_per_request = 5.0
"""

LIMITED = """
[[plugins]]
use = "rate_limit"
key = "ip"
limit = "1000/second"
burst = 100

[[plugins]]
use = "cache"
"""

# alert -> the metric it watches (every event alert is one counter, not aggregated)
EVENT_ALERTS = {
    "SluicegateBudgetExhausted": "sluicegate_security_events_total",
    "SluicegateBreakerOpen": "sluicegate_breaker_transitions_total",
    "SluicegateConfigReloadFailed": "sluicegate_config_reloads_total",
    "SluicegateStateBackendErrors": "sluicegate_state_backend_errors_total",
}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: install the Debian package 'prometheus' (bootstrap)")
    return found


def scraped(text: str, names: set[str]) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in names and sample.value > 0
    ]


def series_text(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


async def drive(gw: Any, fake_provider: FakeProvider) -> str:
    """A budget refusal, a breaker that opens, a rejected reload."""
    async with httpx.AsyncClient(timeout=10) as client:
        chat = CHAT
        budget = await client.post(f"{gw.url}/metered/v1/chat/completions", json=chat)
        assert budget.status_code == 402
        fake_provider.mode = "500"
        failed = await client.post(f"{gw.url}/v1/chat/completions", json=chat)
        assert failed.status_code in (500, 502)
        assert (await client.post(f"{gw.url}/v1/chat/completions", json=chat)).status_code == 503
        gw.config_path.write_text(gw.config_path.read_text() + "\n[nonsense\n")
        ok, _ = await gw.reload()
        assert not ok
        await gw.settled()
        return (await client.get(f"{gw.admin_url}/-/metrics")).text


async def drive_state_down(gw: Any) -> str:
    """A rate limit whose redis is not there: on_error = allow lets it through, counted."""
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)).status_code == 200
        await gw.settled()
        return (await client.get(f"{gw.admin_url}/-/metrics")).text


async def test_every_event_alert_fires_on_the_first_scraped_event(
    gateway_factory: Any, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    policies = {"spend": SPEND, "limited": LIMITED}
    config = CONFIG.format(url=fake_provider.url)
    down = await gateway_factory(DEAD_STATE.format(dead=free_port()) + config, policies)
    gw = await gateway_factory(config, policies)
    names = set(EVENT_ALERTS.values())
    samples = scraped(await drive_state_down(down), names)
    samples += scraped(await drive(gw, fake_provider), names)
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    by_name = {rule["alert"]: rule for rule in rules}
    tests = []
    for alert, metric in EVENT_ALERTS.items():
        rule = by_name[alert]
        wait = int(str(rule.get("for", "0m")).rstrip("m"))
        matching = [labels for name, labels, _ in samples if name == metric]
        assert matching, f"the gateway exported no {metric} series for {alert}"
        # the series appear at minute 3, holding what the gateway counted
        series = [
            {"series": series_text(metric, labels), "values": "_ _ _ " + f"{value:g}x10"}
            for name, labels, value in samples
            if name == metric
        ]
        tests.append(
            {
                "name": f"{alert} on scraped series",
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {
                        "eval_time": f"{3 + wait}m",
                        "alertname": alert,
                        "exp_alerts": [
                            {"exp_labels": {**labels, **rule["labels"]}}
                            for labels in _fires_for(rule, matching)
                        ],
                    }
                ],
            }
        )
    unit = tmp_path / "scraped.test.yml"
    unit.write_text(yaml.safe_dump({"rule_files": [str(RULES)], "tests": tests}))
    _strip_annotations(unit)
    run = subprocess.run(
        [promtool(), "test", "rules", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _fires_for(rule: dict[str, Any], matching: list[dict[str, str]]) -> list[dict[str, str]]:
    """The scraped series the rule's selector keeps (its label matchers, exact or regex)."""
    selector = re.search(r"\{([^}]*)\}", rule["expr"])
    kept = []
    for labels in matching:
        ok = True
        matchers = re.findall(r'(\w+)(=~|=)"([^"]*)"', selector.group(1) if selector else "")
        for name, op, value in matchers:
            actual = labels.get(name, "")
            ok &= bool(re.fullmatch(value, actual)) if op == "=~" else actual == value
        if ok:
            kept.append(labels)
    return kept


def _strip_annotations(unit: Path) -> None:
    """promtool compares annotations too, and the static unit tests check those; here the
    labels are what matters, so the rules run from a copy without annotations."""
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    bare = unit.with_name("alerts.bare.yml")
    bare.write_text(yaml.safe_dump(rules))
    spec = yaml.safe_load(unit.read_text())
    spec["rule_files"] = [str(bare)]
    unit.write_text(yaml.safe_dump(spec))


def test_the_promtool_unit_tests_of_the_shipped_rules_pass() -> None:
    run = subprocess.run(
        [promtool(), "test", "rules", "alerts.test.yml"],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


async def test_rules_and_dashboard_group_and_filter_by_labels_the_metrics_have(
    gateway_factory: Any, fake_provider: FakeProvider
) -> None:
    """A `by (backend)` on a metric labelled `op` is an empty panel and a silent alert."""
    gw = await gateway_factory(
        CONFIG.format(url=fake_provider.url), {"spend": SPEND, "limited": LIMITED}
    )
    async with httpx.AsyncClient(timeout=10) as client:  # one answered call: tokens, cost
        assert (await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)).status_code == 200
    await drive(gw, fake_provider)
    registry = gw.gateway.runtime.metrics.registry
    labels: dict[str, set[str]] = {}

    def base(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum|created)$", "", name)

    for collector in list(registry._collector_to_names):  # declared label names
        for name in registry._collector_to_names[collector]:
            labels.setdefault(base(name), set()).update(getattr(collector, "_labelnames", ()))
    for family in registry.collect():  # and the ones exported series carry
        for sample in family.samples:
            labels.setdefault(base(sample.name), set()).update(sample.labels)
    exprs = [
        rule["expr"]
        for group in yaml.safe_load(RULES.read_text())["groups"]
        for rule in group["rules"]
    ]
    dashboard = json.loads((ROOT / "deploy/grafana/sluicegate.json").read_text())
    exprs += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    for expr in exprs:
        metrics = {
            re.sub(r"_(total|bucket|count|sum)$", "", m)
            for m in re.findall(r"sluicegate_[a-z_]+", expr)
        }
        known = set().union(*(labels.get(m, set()) for m in metrics))
        assert metrics <= set(labels), f"{expr}: unknown metric {metrics - set(labels)}"
        used = {
            n.strip() for group in re.findall(r"by \(([^)]*)\)", expr) for n in group.split(",")
        }
        used |= set(re.findall(r"(\w+)\s*(?:=~|!=|=)\s*\"", expr))
        assert used <= known, f"{expr}: labels {sorted(used - known)} do not exist"
