"""``sluicegate test``: run each policy's ``[[tests]]`` through its real plugins.

The plugins are the ones the config builds, in the same order, with a fresh in-memory store,
in front of the built-in mock provider — so an operator can see what a policy does to a
request before it goes live, without a provider key or a network.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxy.config.loader import LoadedConfig, Policy
from proxy.config.models import PolicyTest
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import Harness, Result
from proxy.upstream.mock import MockClient


async def run_policy_tests(loaded: LoadedConfig, names: Sequence[str] | None = None) -> int:
    """Print one line per test; return the exit code (0 = all passed)."""
    failures = total = 0
    for name in names or sorted(loaded.policies):
        policy = loaded.policies.get(name)
        if policy is None:
            print(f"no policy {name!r} is used by the config")
            return 2
        for test in policy.model.tests:
            total += 1
            problems, events = await _run(policy, test)
            mark = "ok  " if not problems else "FAIL"
            print(f"{mark} {policy.name}: {test.name}")
            for problem in problems:
                print(f"       {problem}")
            for event in events:
                print(f"       event: {event}")
            failures += bool(problems)
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


async def _run(policy: Policy, test: PolicyTest) -> tuple[list[str], list[str]]:
    services = Services(store=MemoryStore(), metrics=Metrics())
    plugins = []
    for spec in policy.plugins:
        plugin = spec.cls(spec.options, services)
        plugin.mode = spec.entry.mode
        plugins.append(plugin)
    harness = Harness(plugins, MockClient(), services=services)  # type: ignore[arg-type]
    request = test.request
    try:
        result = await harness.request(
            request.method,
            request.path,
            headers=request.headers,
            json=request.json_body,
            body=request.body.encode() if request.body is not None else None,
            query=request.query,
            client_ip=request.client_ip,
        )
    finally:
        await harness.close()
    events = [
        f"{e.type} ({e.plugin}{', monitored' if e.monitored else ''}): {e.reason}"
        for e in result.exchange.events
    ]
    return _compare(test, result), events


def _compare(test: PolicyTest, result: Result) -> list[str]:
    expect = test.expect
    problems = []
    if expect.status is not None and result.status != expect.status:
        problems.append(f"status: expected {expect.status}, got {result.status}")
    for name, value in expect.headers.items():
        actual = result.header(name)
        if actual is None or (value != "*" and actual != value):
            problems.append(f"header {name}: expected {value!r}, got {actual!r}")
    if expect.body_contains is not None and expect.body_contains.encode() not in result.body:
        problems.append(f"body does not contain {expect.body_contains!r}")
    if expect.error_type is not None:
        try:
            kind = result.json()["error"]["type"]
        except (ValueError, KeyError, TypeError):
            kind = None
        if kind != expect.error_type:
            problems.append(f"error type: expected {expect.error_type!r}, got {kind!r}")
    return problems
