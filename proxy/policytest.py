"""``sluicegate test``: run each policy's ``[[tests]]`` through its real plugins.

The plugins are the ones the config builds, in the same order, with an in-memory store, in
front of the built-in mock provider — so an operator can see what a policy does to a request
before it goes live, without a provider key or a network.

A test is one request or a sequence (``steps``, each optionally repeated): every request of a
test goes through the same plugins and the same store, so a cache hit on the second call and a
limit reached after N calls are testable. With ``route``, requests go to that route's real
upstream group (targets, model mapping, balancer, retries, breaker) whose providers follow a
script (``providers = { groq = ["fail"] }``: answer, fail, slow, or a status), so failover and
model mapping are testable too. A test that cannot run (a plugin that fails to build, an
unknown route) is reported as failed with the reason, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr

from proxy.config.errors import ConfigError
from proxy.config.loader import LoadedConfig, Policy
from proxy.config.policyfile import PolicyTest, TestExpect, TestStep
from proxy.keys.directory import KeyDirectory
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.runtime import build_chain
from proxy.state import MemoryStore
from proxy.testing import Harness, Result, ScriptedClient
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.mock import MockClient
from proxy.upstream.provider import Provider


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
            try:
                problems, events = await _run(loaded, policy, test)
            except ConfigError as error:
                problems, events = [f"cannot run: {p}" for p in error.problems], []
            except (ValueError, OSError) as exc:
                problems, events = [f"cannot run: {exc}"], []
            except Exception as exc:  # a plugin's bug: say so, in one line, and go on
                problems, events = [f"cannot run: {type(exc).__name__}: {exc}"], []
            mark = "ok  " if not problems else "FAIL"
            print(f"{mark} {policy.name}: {test.name}")
            for problem in problems:
                print(f"       {problem}")
            for event in events:
                print(f"       event: {event}")
            failures += bool(problems)
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


async def _run(
    loaded: LoadedConfig, policy: Policy, test: PolicyTest
) -> tuple[list[str], list[str]]:
    # An empty runtime-key directory: a policy with api_key source = "store" is testable (its
    # tests see no store keys, as a fresh gateway would).
    services = Services(store=MemoryStore(), metrics=Metrics(), keys=KeyDirectory())
    chain = build_chain(policy, services)  # the config's chain: its modes and conditions
    group, scripted = _group(loaded, policy, test, services)
    if group is None:
        harness = Harness([], MockClient(), services=services, chain=chain)  # type: ignore[arg-type]
    else:
        harness = Harness([], services=services, group=group, chain=chain)
    problems: list[str] = []
    events: list[str] = []
    try:
        for number, step in enumerate(test.sequence(), 1):
            for call in range(1, step.repeat + 1):
                result = await _send(harness, step)
                events += [
                    f"{e.type} ({e.plugin}{', monitored' if e.monitored else ''}): {e.reason}"
                    for e in result.exchange.events
                ]
                found = _compare(step.expect, result)
                if found:
                    where = _where(test, number, call, step)
                    problems += [f"{where}{p}" for p in found]
                    return problems, events
    finally:
        await harness.close()
        for client in scripted:
            await client.close()
    return problems, events


def _where(test: PolicyTest, number: int, call: int, step: TestStep) -> str:
    if test.request is not None:
        return ""
    return f"step {number}" + (f", call {call} of {step.repeat}" if step.repeat > 1 else "") + ": "


async def _send(harness: Harness, step: TestStep) -> Result:
    request = step.request
    return await harness.request(
        request.method,
        request.path,
        headers=request.headers,
        json=request.json_body,
        body=request.body.encode() if request.body is not None else None,
        query=request.query,
        client_ip=request.client_ip,
    )


def _group(
    loaded: LoadedConfig, policy: Policy, test: PolicyTest, services: Services
) -> tuple[UpstreamGroup | None, list[ScriptedClient]]:
    """The route's real upstream group, over scripted providers; None without ``route``."""
    if test.route is None:
        return None, []
    config = loaded.config
    routes = {route.name: route for route in config.routes if route.name}
    route = routes.get(test.route)
    if route is None:
        raise ValueError(
            f"route {test.route!r}: no route of that name (named routes: "
            f"{', '.join(sorted(routes)) or 'none'})"
        )
    if route.policy != policy.name:
        raise ValueError(f"route {test.route!r} runs policy {route.policy!r}, not this one")
    upstream = config.upstreams[route.upstream]
    names = {target.provider for target in upstream.targets}
    unknown = sorted(set(test.providers) - names)
    if unknown:
        raise ValueError(
            f"providers: {', '.join(unknown)} not in upstream {route.upstream!r} "
            f"(its providers: {', '.join(sorted(names))})"
        )
    clients = {name: ScriptedClient(test.providers.get(name, ["answer"])) for name in names}
    # Every target takes part, with or without its api_key in this environment: the
    # script, not a key, decides what it does (a test must not depend on secrets).
    stand_in = SecretStr("scripted")
    providers = {
        name: Provider(
            name, config.providers[name].model_copy(update={"api_key": stand_in}), clients[name]
        )
        for name in names
    }
    group = UpstreamGroup(route.upstream, upstream, providers, store=services.store)
    return group, list(clients.values())


def _compare(expect: TestExpect, result: Result) -> list[str]:
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
    if expect.provider is not None and result.exchange.target != expect.provider:
        problems.append(f"provider: expected {expect.provider!r}, got {result.exchange.target!r}")
    if expect.model is not None and result.exchange.upstream_model != expect.model:
        problems.append(
            f"model sent: expected {expect.model!r}, got {result.exchange.upstream_model!r}"
        )
    return problems
