"""An upstream group: admission, then balancer -> breaker -> attempt, retried and failed over.

This is where the resilience units meet: it picks a target that serves the requested model,
maps the model name and key for it, and on a retryable outcome tries a different target after
a jittered backoff — while nothing has been sent to the client, and only within the retry
budget, so retries never amplify an outage. One attempt, and the bookkeeping of its outcome,
is ``proxy.upstream.attempt``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from proxy.config.upstreams import UpstreamConfig
from proxy.errors import GatewayError
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.upstream.admission import AdmissionController, AdmissionRejected, compile_priority
from proxy.upstream.attempt import send_attempt
from proxy.upstream.balancer import CostOf, make_balancer
from proxy.upstream.breaker import CircuitBreaker, Permit, SharedStore, is_failure
from proxy.upstream.fleet import SharedBreakers
from proxy.upstream.lease import Lease
from proxy.upstream.observer import GroupObserver
from proxy.upstream.outbound import Outbound, plan_translations
from proxy.upstream.outcomes import error_kind
from proxy.upstream.provider import Provider
from proxy.upstream.quota import ProviderQuota
from proxy.upstream.retry import RetryBudget, RetryPolicy
from proxy.upstream.target import Target, TargetStats

log = logging.getLogger("sluicegate.upstream")


class UpstreamGroup:
    def __init__(
        self,
        name: str,
        config: UpstreamConfig,
        providers: dict[str, Provider],
        *,
        rng: random.Random | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
        metrics: Metrics | None = None,
        store: SharedStore | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._rng = rng or random.Random()
        self._on_event = on_event or (lambda kind, data: None)
        self._observer = GroupObserver(name, metrics)
        self.providers: dict[Target, Provider] = {}
        self.targets: list[Target] = []
        self.shared = SharedBreakers(
            store if config.breaker.shared else None, config.breaker.sync_interval
        )
        for index, target_config in enumerate(config.targets):
            provider = providers.get(target_config.provider)
            if provider is None or not provider.config.enabled:
                continue
            target = self._target(index, target_config.weight, provider)
            self.targets.append(target)
            self.providers[target] = provider
            self.shared.share(f"breaker:{name}:{provider.name}", target.breaker)
        self.balancer = make_balancer(config.balance, rng=self._rng)
        retry = config.retry
        self.retry = RetryPolicy(
            retry.attempts, retry.backoff, retry.max_backoff, retry.budget, frozenset(retry.on)
        )
        self.budget = RetryBudget(ratio=retry.budget)
        self.priority_of = compile_priority(config.admission)
        self.admission = (
            AdmissionController(
                config.admission.max_in_flight,
                config.admission.queue,
                config.admission.max_wait,
                on_wait=self._observer.waited,
            )
            if config.admission
            else None
        )
        self.all_aliases = self._aliases()
        self._observer.watch_breakers(self.targets)
        if self.admission is not None:
            self._observer.watch(self.admission)

    def _target(self, index: int, weight: int, provider: Provider) -> Target:
        b = self.config.breaker
        breaker = CircuitBreaker(
            failures=b.failures,
            error_rate=b.error_rate,
            window=b.window,
            min_requests=b.min_requests,
            open_for=b.open_for,
            half_open=b.half_open,
            rng=self._rng,
        )
        name = provider.name
        breaker.subscribe(lambda old, new: self._breaker_moved(name, old, new))
        # Always a quota, even without rpm/tpm: a 429's Retry-After must still block the target.
        quota = ProviderQuota(rpm=provider.config.rpm, tpm=provider.config.tpm)
        return Target(
            name,
            weight=weight,
            priority=index,
            models=provider.models,
            pricing=provider.pricing,
            breaker=breaker,
            quota=quota,
            stats=TargetStats(window=b.window),
        )

    def _breaker_moved(self, target: str, old: str, new: str) -> None:
        log.warning("breaker of %s in upstream %s: %s -> %s", target, self.name, old, new)
        self._on_event("breaker", {"upstream": self.name, "target": target, "from": old, "to": new})

    # -- fleet-shared breakers ---------------------------------------------------------------

    def start(self) -> None:
        """Begin pulling shared breaker states (only when ``breaker.shared`` is on)."""
        self.shared.start()

    async def pull_shared(self) -> None:
        await self.shared.pull()

    async def close(self) -> None:
        await self.shared.close()

    # -- candidates ----------------------------------------------------------------------------

    def _aliases(self) -> list[str] | None:
        """Every public model name this group serves; None when a target passes names through."""
        aliases: set[str] = set()
        for target in self.targets:
            if target.models is None:
                return None
            aliases.update(target.models)
        return sorted(aliases)

    def candidates(self, alias: str | None) -> list[Target]:
        if alias is None:
            return self.targets
        found = [t for t in self.targets if t.serves(alias) is not None]
        if not found and self.targets:
            known = ", ".join(self.all_aliases or []) or "none"
            raise GatewayError(
                404,
                "model_not_found",
                f"model {alias!r} is not served by this gateway (known models: {known})",
            )
        return found

    # -- a request -----------------------------------------------------------------------------

    def open(self, ex: Exchange, out: Outbound, priority: int = 0) -> Coroutine[Any, Any, Lease]:
        """A response from the first target that gives a good one (or the last one tried).

        Not itself a coroutine: without admission it hands back the attempts' own, so the
        request's stack is a frame shorter on every resume while it waits for the provider.
        """
        candidates = self.candidates(out.alias)
        if not candidates:
            raise GatewayError(
                503,
                "no_upstream",
                f"upstream {self.name!r} has no enabled target",
                {"Retry-After": "5"},
            )
        if self.admission is None:
            return self._attempts(ex, out, candidates)
        return self._admitted(self.admission, ex, out, candidates, priority)

    async def _admitted(
        self,
        admission: AdmissionController,
        ex: Exchange,
        out: Outbound,
        candidates: list[Target],
        priority: int,
    ) -> Lease:
        try:
            await admission.acquire(priority)
        except AdmissionRejected as rejected:
            raise GatewayError(
                503,
                "overloaded",
                "the gateway is at capacity; retry later",
                {"Retry-After": str(max(1, round(rejected.retry_after)))},
            ) from None
        try:
            lease = await self._attempts(ex, out, candidates)
        except BaseException:
            admission.release()
            raise
        lease.on_done = admission.release
        return lease

    async def _attempts(self, ex: Exchange, out: Outbound, candidates: list[Target]) -> Lease:
        candidates, plans = plan_translations(out, candidates, self.providers)
        self.budget.record_request()
        body = out.body  # bytes and None first: an ABC isinstance check is slow
        replayable = body is None or isinstance(body, bytes) or not isinstance(body, AsyncIterator)
        max_attempts = self.retry.attempts if out.retry and replayable else 1
        cost_of = self._cost_of(out) if len(candidates) > 1 else None
        tried: list[Target] = []
        error: GatewayError | None = None
        reason: str | None = None
        wait_for = 0.0
        for attempt in range(1, max_attempts + 1):
            if attempt > 1 and reason != "busy":
                await asyncio.sleep(self.retry.delay(attempt - 1, wait_for, self._rng))
            choice = self._choose(candidates, tried, cost_of)
            if choice is None:
                break
            target, permit = choice
            ex.attempts = attempt
            outcome = await send_attempt(
                ex,
                out,
                target,
                self.providers[target],
                permit,
                reason,
                plans.get(target),
                self.config.timeouts,
                self._observer,
            )
            tried.append(target)
            last = attempt == max_attempts
            if isinstance(outcome, Lease):
                failed = outcome.failure()
                if failed is None or last or not self.retry.should_retry(failed[0]):
                    return outcome
                next_wait = self._may_retry(candidates, tried, failed[1])
                if next_wait is None:
                    return outcome
                await outcome.discard(success=not is_failure(failed[0], None))
                reason, error = str(failed[0]), None
            else:
                error, reason = outcome, error_kind(outcome)
                if reason == "busy":
                    # The gateway's own pool is full, the provider never saw the request:
                    # another target with room may take it, this one not again (its pool
                    # wait is spent) and no retry budget is due.
                    if last or not any(t.available() and t not in tried for t in candidates):
                        raise error
                    continue
                if last or not self.retry.should_retry(reason):
                    raise error
                next_wait = self._may_retry(candidates, tried, None)
                if next_wait is None:
                    raise error
            wait_for = next_wait
            self._on_event(
                "retry", {"upstream": self.name, "target": target.provider_name, "reason": reason}
            )
        raise error or self._unavailable(candidates)

    def _choose(
        self, candidates: list[Target], tried: list[Target], cost_of: CostOf | None
    ) -> tuple[Target, Permit] | None:
        """Balancer pick plus breaker permit; a target whose half-open probe slots are all
        taken is set aside and the balancer asked again, instead of failing the request.

        One candidate is every balancer's pick when it is available, tried or not (see
        ``proxy.upstream.balancer``): no pool to build, no cost to estimate."""
        if len(candidates) == 1:
            only = candidates[0]
            permit = only.breaker.allow() if only.available() else None
            return (only, permit) if permit is not None else None
        refused: list[Target] = []
        while True:
            target = self.balancer.pick(
                candidates, cost_of, exclude=[*tried, *refused] if refused else tried
            )
            if target is None or target in refused:
                return None
            permit = target.breaker.allow()
            if permit is not None:
                return target, permit
            refused.append(target)

    def _may_retry(
        self, candidates: list[Target], tried: list[Target], retry_after: float | None
    ) -> float | None:
        """None when no retry should follow; else the ``Retry-After`` to honour (0.0: none).

        A fresh available target is tried without regard to the last one's ``Retry-After``.
        When only tried targets remain, the retry goes back to one of them: waiting out the
        last one's ``Retry-After`` is worth it only up to the cap, else we answer now.
        """
        wait_for = 0.0
        if any(t.available() and t not in tried for t in candidates):
            pass
        elif retry_after is not None:
            if not self.retry.worth_waiting(retry_after):
                return None
            wait_for = retry_after
        elif not any(t.available() for t in tried):
            return None
        return wait_for if self.budget.try_acquire_retry() else None

    def _cost_of(self, out: Outbound) -> CostOf | None:
        if not self.balancer.needs_cost or out.alias is None:
            return None
        alias = out.alias
        size = len(out.body) if isinstance(out.body, bytes) else 0
        max_tokens = (
            (out.payload or {}).get("max_tokens")
            or (out.payload or {}).get("max_completion_tokens")
            or 256
        )
        output = int(max_tokens) if isinstance(max_tokens, int | float) else 256
        return lambda target: target.estimated_cost(alias, size // 4, output)

    def _unavailable(self, candidates: Sequence[Target]) -> GatewayError:
        """503 whose Retry-After is the soonest any candidate is expected back."""
        waits = [t.breaker.open_remaining() for t in candidates if t.breaker.state == "open"]
        waits += [
            t.quota.available_in()
            for t in candidates
            if t.quota is not None and t.quota.exhausted()
        ]
        positive = [w for w in waits if w > 0]
        retry_after = max(1, round(min(positive))) if positive else 1
        return GatewayError(
            503,
            "no_available_target",
            "no provider for this request is available right now",
            {"Retry-After": str(retry_after)},
        )

    # -- visibility ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "balance": self.config.balance,
            "available": self.available(),
            "targets": [t.snapshot() for t in self.targets],
            "retry_budget": self.budget.snapshot(),
            "admission": self.admission.snapshot() if self.admission else None,
            "breaker_sharing": (
                {"errors": sum(s.errors for s in self.shared.syncs)} if self.shared.syncs else None
            ),
        }

    def available(self) -> bool:
        return any(t.available() for t in self.targets)
