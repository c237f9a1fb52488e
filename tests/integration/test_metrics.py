"""/-/metrics after a scripted mix of traffic: every counter the scrape exposes is accounted
for, exactly — successes, cache hits, a rate-limit refusal, provider failures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from proxy.observe.metrics import Metrics
from tests.fixtures.upstreams import FakeProvider

CONFIG = """
[providers.fake]
type = "openai"
base_url = "{url}"
api_key = "test"
# a declared model name: only those become metric labels (a client's own name is "other")
models = {{ "fake-model" = "fake-model" }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}

[[routes]]
name = "api"
match = {{ path_prefix = "/v1/" }}
policy = "mix"
upstream = "chat"
"""

POLICY = """
[[plugins]]
use = "request_id"

[[plugins]]
use = "rate_limit"
key = "header.x-user"
limit = "2/hour"
burst = 1

[[plugins]]
use = "cache"
shared = true
"""

Key = tuple[str, tuple[tuple[str, str], ...]]


def chat(prompt: str) -> dict[str, Any]:
    return {
        "model": "fake-model",
        "temperature": 0,
        "messages": [{"role": "user", "content": prompt}],
    }


def counters(text: str) -> dict[Key, float]:
    """Every counter sample of the scrape (``_total`` only; ``_created`` is a timestamp)."""
    found: dict[Key, float] = {}
    for family in text_string_to_metric_families(text):
        if family.type != "counter":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def histogram_counts(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == f"{name}_count"
    }


def key(name: str, **labels: str) -> Key:
    return (name, tuple(sorted(labels.items())))


async def test_every_counter_matches_the_scripted_traffic(
    gateway_factory, fake_provider: FakeProvider
):
    gw = await gateway_factory(CONFIG.format(url=fake_provider.url), {"mix": POLICY})
    url = f"{gw.url}/v1/chat/completions"
    async with httpx.AsyncClient(timeout=10) as client:

        async def send(user: str, prompt: str) -> httpx.Response:
            return await client.post(url, json=chat(prompt), headers={"x-user": user})

        statuses = [
            (await send("alice", "a")).status_code,  # miss -> provider 200
            (await send("alice", "b")).status_code,  # miss -> provider 200
            (await send("alice", "c")).status_code,  # 429: alice's two are spent
            (await send("bob", "a")).status_code,  # hit
            (await send("bob", "b")).status_code,  # hit
        ]
        fake_provider.mode = "500"
        statuses += [
            (await send("carol", "c")).status_code,  # miss -> provider 500
            (await send("carol", "c")).status_code,
        ]  # not cached: 500 again
        hit_bytes = len(
            (await client.post(url, json=chat("a"), headers={"x-user": "dave"})).content
        )  # a third hit, to size bytes_saved
        await gw.settled()
        scrape = (await client.get(f"{gw.admin_url}/-/metrics")).text
    assert statuses == [200, 200, 429, 200, 200, 500, 500]
    expected = {
        key("sluicegate_requests_total", route="api", status_class="2xx"): 5,
        key("sluicegate_requests_total", route="api", status_class="4xx"): 1,
        key("sluicegate_requests_total", route="api", status_class="5xx"): 2,
        key("sluicegate_upstream_attempts_total", provider="fake", outcome="2xx"): 2,
        key("sluicegate_upstream_attempts_total", provider="fake", outcome="5xx"): 2,
        key(
            "sluicegate_security_events_total",
            type="rate_limited",
            plugin="rate_limit",
            monitored="false",
        ): 1,
        key("sluicegate_tokens_total", provider="fake", model="fake-model", direction="input"): 20,
        key("sluicegate_tokens_total", provider="fake", model="fake-model", direction="output"): 10,
        key("sluicegate_cache_lookups_total", route="api", result="miss"): 4,
        key("sluicegate_cache_lookups_total", route="api", result="hit"): 3,
        key("sluicegate_cache_stores_total", route="api", outcome="stored"): 2,
        key("sluicegate_cache_bytes_saved_total", route="api"): 3 * hit_bytes,
    }
    actual = {k: v for k, v in counters(scrape).items() if v != 0}
    assert actual == expected
    assert histogram_counts(scrape, "sluicegate_request_duration_seconds") == {
        (("route", "api"),): 8
    }
    assert histogram_counts(scrape, "sluicegate_upstream_ttfb_seconds") == {
        (("provider", "fake"),): 4
    }


DECISIONS_CONFIG = """
[providers.fake]
type = "openai"
base_url = "{url}"
api_key = "test"
# a declared model name: only those become metric labels (a client's own name is "other")
models = {{ "fake-model" = "fake-model" }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}

[[routes]]
name = "metered"
match = {{ path_prefix = "/metered/" }}
policy = "spend"
upstream = "chat"

[[routes]]
name = "api"
match = {{ path_prefix = "/v1/" }}
policy = "guarded"
upstream = "chat"
"""

# Every request here would cost $5 against a $1 day: budget refuses each one, and a
# monitor-mode rate limit in front of it reports (but does not make) its own refusals.
SPEND_POLICY = """
[[plugins]]
use = "rate_limit"
mode = "monitor"
key = "ip"
limit = "1/hour"

[[plugins]]
use = "budget"
key = "ip"
per_day = 1.0
estimate_cost_per_request = 5.0
"""

# Two rate-limit refusals ban the address; the ban then refuses everyone from it.
GUARDED_POLICY = """
[[plugins]]
use = "ip_filter"
auto_ban = {{ after = 2, within = "1h", ban_for = "1h", on = ["rate_limited"] }}

[[plugins]]
use = "rate_limit"
key = "header.x-user"
limit = "1/hour"
"""


async def test_rate_limit_budget_and_ban_decisions_are_counted_by_type(
    gateway_factory, fake_provider: FakeProvider
):
    """The documented mapping (docs/observability.md): refusals by rate_limit, budget and a
    ban are ``sluicegate_security_events_total{type=...}``; monitor mode sets monitored."""
    gw = await gateway_factory(
        DECISIONS_CONFIG.format(url=fake_provider.url),
        {"spend": SPEND_POLICY, "guarded": GUARDED_POLICY.format()},
    )
    async with httpx.AsyncClient(timeout=10) as client:

        async def send(path: str, user: str = "alice") -> int:
            response = await client.post(
                f"{gw.url}{path}", json=chat("x"), headers={"x-user": user}
            )
            return response.status_code

        statuses = [
            await send("/metered/v1/chat/completions"),  # 402; rate limit: first is free
            await send("/metered/v1/chat/completions"),  # 402; rate limit would refuse
            await send("/v1/chat/completions"),  # 200
            await send("/v1/chat/completions"),  # 429 (1st offence)
            await send("/v1/chat/completions"),  # 429 (2nd: ban imposed on completion)
        ]
        await gw.settled()  # the ban is imposed in ip_filter's on_complete
        statuses += [
            await send("/v1/chat/completions"),  # 403 banned
            await send("/v1/chat/completions", user="bob"),  # 403: the address is banned
        ]
        await gw.settled()
        scrape = (await client.get(f"{gw.admin_url}/-/metrics")).text
    assert statuses == [402, 402, 200, 429, 429, 403, 403]

    def event(type_: str, plugin: str, monitored: str = "false") -> Key:
        return key(
            "sluicegate_security_events_total", type=type_, plugin=plugin, monitored=monitored
        )

    expected = {
        key("sluicegate_requests_total", route="metered", status_class="4xx"): 2,
        key("sluicegate_requests_total", route="api", status_class="2xx"): 1,
        key("sluicegate_requests_total", route="api", status_class="4xx"): 4,
        key("sluicegate_upstream_attempts_total", provider="fake", outcome="2xx"): 1,
        event("budget_exceeded", "budget"): 2,
        event("rate_limited", "rate_limit", monitored="true"): 1,
        event("rate_limited", "rate_limit"): 2,
        event("ip_banned", "ip_filter"): 2,
        key("sluicegate_tokens_total", provider="fake", model="fake-model", direction="input"): 10,
        key("sluicegate_tokens_total", provider="fake", model="fake-model", direction="output"): 5,
    }
    actual = {k: v for k, v in counters(scrape).items() if v != 0}
    assert actual == expected


ROOT = Path(__file__).resolve().parents[2]


def test_alert_rules_pass_promtool() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail(
            "promtool is missing: install the Debian package 'prometheus' (scripts/bootstrap.sh)"
        )
    result = subprocess.run(
        [promtool, "check", "rules", str(ROOT / "deploy/prometheus/alerts.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 8 rules found" in result.stdout


def test_dashboard_and_alerts_only_name_metrics_the_gateway_defines() -> None:
    """A renamed metric must not leave a silent panel or an alert that never fires."""
    defined = {
        "sluicegate_cache_lookups",
        "sluicegate_cache_bytes_saved",
        "sluicegate_admission_queued",
        "sluicegate_admission_wait_seconds",
        "sluicegate_breaker_state",
    }
    defined |= {metric.name for metric in Metrics().registry.collect()}
    texts = [(ROOT / "deploy/prometheus/alerts.yml").read_text()]
    dashboard = json.loads((ROOT / "deploy/grafana/sluicegate.json").read_text())
    texts += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for text in texts
        for name in re.findall(r"sluicegate_[a-z_]+", text)
    }
    assert used - defined == set()
