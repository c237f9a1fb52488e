"""What ``sluicegate check`` does beyond loading: build every plugin as ``serve`` would, and
cross-check the names that only mean something together.

Loading validates each file against its schema; it cannot see that a key file is missing, holds
a bad hash or a misspelled limit (``tokens_per_week``), since a plugin reads that file when it is
built. So ``check`` builds every policy's chain on an in-memory store and reports what ``serve``
would refuse to start with, by file and key path. Then tiers: a tier named by a limit or an
admission priority that no caller can have (no key in the key files has it) is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxy.chain import Chain
from proxy.config.errors import ConfigError
from proxy.config.loader import LoadedConfig
from proxy.keys.directory import KeyDirectory
from proxy.observe.metrics import Metrics
from proxy.plugin import ANY_TIER, Services
from proxy.runtime import build_chain
from proxy.state import MemoryStore


@dataclass
class Preflight:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def preflight(loaded: LoadedConfig) -> Preflight:
    found = Preflight()
    # An empty directory stands in for the keys store: check does not open it.
    services = Services(store=MemoryStore(), metrics=Metrics(), keys=KeyDirectory())
    chains: dict[str, Chain] = {}
    for name, policy in sorted(loaded.policies.items()):
        try:
            chains[name] = build_chain(policy, services)
        except ConfigError as error:
            found.errors += [str(problem) for problem in error.problems]
    try:
        found.warnings += _tier_warnings(loaded, chains)
    finally:
        for chain in chains.values():
            await chain.close()
        await services.close()
    return found


def _tier_warnings(loaded: LoadedConfig, chains: dict[str, Chain]) -> list[str]:
    warnings = []
    granted: dict[str, frozenset[str]] = {}
    for name, chain in chains.items():
        tiers = frozenset().union(*(p.tiers_granted() for p in chain.plugins))
        granted[name] = tiers
        if tiers >= ANY_TIER:
            continue
        policy = loaded.policies[name]
        for index, link in enumerate(chain.links):
            for tier in sorted(link.plugin.tiers_named() - tiers):
                warnings.append(
                    f"{policy.file}: plugins[{index}] ({link.use}): tier {tier!r} is unused: "
                    f"no caller of this policy can have it ({_known(tiers)})"
                )
    config = loaded.config
    for name, upstream in sorted(config.upstreams.items()):
        admission = upstream.admission
        if admission is None or admission.priority != "identity.tier":
            continue
        policies = {r.policy for r in config.routes if r.upstream == name}
        tiers = frozenset().union(*(granted.get(p, frozenset()) for p in policies))
        if tiers >= ANY_TIER:
            continue
        for tier in sorted(set(admission.priorities) - tiers):
            warnings.append(
                f"{loaded.path.name}: upstreams.{name}.admission.priorities: tier {tier!r} is "
                f"unused: no caller routed here can have it ({_known(tiers)})"
            )
    return warnings


def _known(tiers: frozenset[str]) -> str:
    return f"tiers callers have: {', '.join(sorted(tiers))}" if tiers else "no caller has a tier"
