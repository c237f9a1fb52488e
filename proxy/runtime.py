"""A Runtime: everything one config load builds — providers, groups, chains, routes, store.

A reload builds a whole new Runtime beside the old one and swaps it in atomically; requests
already in flight finish on the Runtime they started on, which is closed once they are done.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import IO, Any

from proxy import __version__
from proxy.chain import Chain
from proxy.clientip import ClientIpResolver
from proxy.config.errors import ConfigError, Problem
from proxy.config.loader import LoadedConfig, Policy
from proxy.keys.service import KeysService
from proxy.observe.metrics import Metrics
from proxy.observe.report import AccessLog, Reporter
from proxy.pipeline import Pipeline
from proxy.plugin import Kept, Services
from proxy.routing import Route, RouteTable
from proxy.state import StateStore, StateUnavailable, create_store
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.health import HealthCheck, HealthChecker
from proxy.upstream.provider import Provider

log = logging.getLogger("sluicegate.runtime")


class Runtime:
    def __init__(
        self,
        loaded: LoadedConfig,
        metrics: Metrics,
        store: StateStore,
        access_stream: IO[bytes] | None = None,
        kept: Kept | None = None,
        keys: KeysService | None = None,
    ) -> None:
        config = loaded.config
        self.loaded = loaded
        self.version = loaded.version
        self.metrics = metrics
        self.store = store
        self.providers = {
            name: Provider.build(name, provider)
            for name, provider in config.providers.items()
            if provider.enabled
        }
        self.groups = {
            name: UpstreamGroup(
                name,
                upstream,
                self.providers,
                on_event=self._upstream_event,
                metrics=metrics,
                store=store,
            )
            for name, upstream in config.upstreams.items()
        }
        self.keys = keys or KeysService(config.keys, loaded.path.parent, metrics)
        self.services = Services(
            store=store, metrics=metrics, kept=Kept(kept), keys=self.keys.directory
        )
        self.chains = {
            name: build_chain(policy, self.services) for name, policy in loaded.policies.items()
        }
        self.services.kept.seal()
        routes = [
            Route.build(i, r, self.chains[r.policy], self.groups[r.upstream])
            for i, r in enumerate(config.routes)
        ]
        self.routes = RouteTable(routes)
        access_log = (
            AccessLog(access_stream, config.logging.access_sample)
            if config.server.access_log
            else None
        )
        self.reporter = Reporter(metrics, access_log, self.keys.ledger, models=self._model_names())
        self.pipeline = Pipeline(
            self.routes,
            ClientIpResolver(config.server.trusted_proxies, config.server.client_ip_header),
            config.server.max_body,
            self.reporter,
        )
        # A request's entry: the pipeline's own coroutine, no frame of the runtime's around
        # it (the pipeline counts what is in flight).
        self.handle = self.pipeline.handle
        self.health = self._health_checkers()
        self._closed = False

    def _model_names(self) -> frozenset[str]:
        """Every model name the config declares (aliases, provider names, priced models): the
        only values the token and cost metrics take as labels, besides ``other``."""
        names: set[str] = set()
        for provider in self.providers.values():
            names.update(provider.models or {})
            names.update((provider.models or {}).values())
            names.update(provider.pricing)
        for group in self.groups.values():
            for target in group.targets:
                names.update(target.models or {})
                names.update((target.models or {}).values())
        return frozenset(names)

    @classmethod
    def build(
        cls,
        loaded: LoadedConfig,
        metrics: Metrics,
        store: StateStore | None = None,
        access_stream: IO[bytes] | None = None,
        kept: Kept | None = None,
        keys: KeysService | None = None,
    ) -> Runtime:
        """Build a runtime; a plugin that fails to start is reported like a config error."""
        state = loaded.config.state
        if store is None:
            store = create_store(
                state.backend,
                state.url,
                state.on_error,
                state.prefix,
                on_backend_error=lambda op, node: metrics.state_errors.labels(op, node).inc(),
            )
        return cls(loaded, metrics, store, access_stream, kept, keys)

    def _upstream_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "retry":
            self.metrics.retries.labels(data["upstream"], data["reason"]).inc()
        elif kind == "breaker":
            self.metrics.breaker_transitions.labels(
                data["upstream"], data["target"], data["to"]
            ).inc()

    def _health_checkers(self) -> list[HealthChecker]:
        checkers = []
        for name, provider in self.providers.items():
            settings = provider.config.health
            if settings is None or provider.type == "mock":
                continue
            targets = [
                t
                for group in self.groups.values()
                for t in group.targets
                if t.provider_name == name
            ]
            url = provider.base_url + settings.path
            probe = self._probe(url, provider, settings.timeout)
            checkers.append(
                HealthChecker(
                    [HealthCheck(name, probe, targets)],
                    interval=settings.interval,
                    timeout=settings.timeout,
                    healthy_threshold=settings.healthy_threshold,
                    unhealthy_threshold=settings.unhealthy_threshold,
                    on_change=lambda target, ok: log.warning(
                        "health of %s: %s", target, "healthy" if ok else "unhealthy"
                    ),
                )
            )
        return checkers

    def _probe(self, url: str, provider: Provider, timeout: float) -> Any:
        headers = dict(provider.auth_headers())

        async def probe() -> bool:
            response = await self.services.http.get(url, headers=headers, timeout=timeout)
            return response.status_code < 500

        return probe

    def start(self) -> None:
        # Read when scraped, instead of an inc/dec (and its lock) on every request.
        self.metrics.in_flight.set_function(lambda: self.in_flight)
        for checker in self.health:
            checker.start()
        for group in self.groups.values():
            group.start()

    @property
    def in_flight(self) -> int:
        """Requests started on this runtime and not yet done, complete phase included."""
        return self.pipeline.in_flight

    async def wait_idle(self, timeout: float) -> bool:
        """Until nothing is in flight, the complete phase included (it runs after the client
        already has its last byte). False when ``timeout`` ran out first."""
        pipeline = self.pipeline
        if pipeline.in_flight == 0:
            return True
        if pipeline.idle is None or pipeline.idle.is_set():
            pipeline.idle = asyncio.Event()
        try:
            await asyncio.wait_for(pipeline.idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def open(self) -> None:
        """What needs I/O before serving: the keys store (migrated, keys loaded). A store
        that cannot be opened stops the start only when a policy serves keys from it;
        otherwise the gateway serves, and the admin API answers 503 until it opens."""
        try:
            await self.keys.open()
        except Exception as exc:
            if self.keys.directory.required:
                raise ConfigError.one(
                    str(self.loaded.path), "keys.url", f"cannot open the keys store: {exc}"
                ) from exc
            log.error("keys store unavailable (%s): spend is kept in memory until it opens", exc)

    async def retire(
        self, timeout: float, close_store: bool = False, close_keys: bool = False
    ) -> None:
        """Wait for in-flight requests (streams included) to finish, then close."""
        if not await self.wait_idle(timeout):
            log.warning(
                "retiring config %s with %d requests still in flight", self.version, self.in_flight
            )
        await self.reporter.drain(timeout)
        await self.close(close_store, close_keys)

    async def close(self, close_store: bool = True, close_keys: bool | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        self.reporter.flush()  # the access lines still in the log's buffer
        for checker in self.health:
            await checker.stop()
        for group in self.groups.values():
            await group.close()
        for chain in self.chains.values():
            await chain.close()
        for provider in self.providers.values():
            await provider.close()
        await self.services.close()
        if close_store:
            await self.store.close()
        if close_store if close_keys is None else close_keys:
            await self.keys.close()  # the spend ledger's last batch is written here

    def ready(self) -> tuple[bool, list[str]]:
        """Ready, unless ``ready_requires_targets`` is on and a route's upstream has no
        available target (then a load balancer stops sending this instance traffic)."""
        if not self.loaded.config.server.ready_requires_targets:
            return True, []
        down = sorted({r.upstream.name for r in self.routes.routes if not r.upstream.available()})
        return not down, down

    async def state_ready(self, timeout: float = 1.0) -> str | None:
        """None when ``ready_requires_state`` is off or every primary answers a PING, else why."""
        if not self.loaded.config.server.ready_requires_state:
            return None
        try:
            async with asyncio.timeout(timeout):
                await self.store.ping()
        except StateUnavailable as exc:
            return str(exc)
        except TimeoutError:
            return f"no answer within {timeout:g}s"
        return None

    def status(self) -> dict[str, Any]:
        config = self.loaded.config
        return {
            "version": __version__,
            "config_version": self.version,
            "pid": os.getpid(),
            "config_file": str(self.loaded.path),
            "routes": [
                {
                    "name": r.name,
                    "match": r.describe(),
                    "policy": r.chain.name,
                    "upstream": r.upstream.name,
                }
                for r in self.routes.routes
            ],
            "policies": {
                name: [link.use for link in chain.links] for name, chain in self.chains.items()
            },
            "providers": {name: p.describe() for name, p in self.providers.items()},
            "disabled_providers": self.loaded.disabled_providers,
            "upstreams": {name: g.snapshot() for name, g in self.groups.items()},
            "state": {"backend": config.state.backend, **self.store.topology()},
            "keys": self.keys.describe(),
            "in_flight": self.in_flight,
            "warnings": self.loaded.warnings,
        }


def build_chain(policy: Policy, services: Services) -> Chain:
    links = []
    for index, spec in enumerate(policy.plugins):
        try:
            plugin = spec.cls(spec.options, services.for_plugin(f"{policy.name}[{index}]"))
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(
                [
                    Problem(
                        policy.file,
                        f"plugins[{index}]",
                        f"plugin {spec.entry.use!r} failed to start: {exc}",
                    )
                ]
            ) from exc
        links.append(Chain.link(index, spec.entry.use, plugin, spec.entry.when, spec.entry.mode))
    return Chain(policy.name, links)
