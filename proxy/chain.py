"""A policy compiled into per-phase call lists, and the code that runs them.

The request phase runs in file order; response, chunk and complete phases in reverse (an
onion, like Envoy's encoder filters). Only plugins that override a hook are in that hook's
list, so an unused hook costs nothing. ``mode`` and ``when`` are handled here, once, for
every plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from time import time_ns

from starlette.responses import Response

from proxy.config.policyfile import When
from proxy.errors import GatewayError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, implemented_hooks

log = logging.getLogger("sluicegate.chain")

ChunkFilter = Callable[[Exchange, bytes, bool], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled ``when``: the plugin runs only for requests that match all of it."""

    path_prefix: str | None
    methods: frozenset[str] | None
    headers: tuple[tuple[str, str], ...]
    claims: tuple[tuple[str, str], ...]

    @classmethod
    def compile(cls, when: When) -> Condition:
        return cls(
            when.path_prefix,
            frozenset(m.upper() for m in when.methods) if when.methods else None,
            tuple((k.lower(), v) for k, v in (when.header or {}).items()),
            tuple((when.claim or {}).items()),
        )

    def matches(self, ex: Exchange) -> bool:
        if self.path_prefix is not None and not ex.path.startswith(self.path_prefix):
            return False
        if self.methods is not None and ex.method not in self.methods:
            return False
        for name, value in self.headers:
            actual = ex.request_headers.get(name)
            if actual is None or (value != "*" and actual != value):
                return False
        if self.claims:
            claims = ex.identity.claims if ex.identity else {}
            for name, value in self.claims:
                actual = claims.get(name)
                if not (actual == value or (isinstance(actual, list) and value in actual)):
                    return False
        return True


@dataclass(frozen=True, slots=True)
class Link:
    """One plugin in a chain: its position, the name it was configured by, and how it runs."""

    index: int
    use: str
    plugin: Plugin
    hooks: tuple[str, ...]
    condition: Condition | None
    monitor: bool


class Chain:
    """The plugins of one policy, ready to run."""

    def __init__(self, name: str, links: Sequence[Link]) -> None:
        self.name = name
        self.links = list(links)
        self._request = [link for link in self.links if "on_request" in link.hooks]
        self._response = [link for link in reversed(self.links) if "on_response" in link.hooks]
        self._chunk = [link for link in reversed(self.links) if "on_chunk" in link.hooks]
        self._complete = [link for link in reversed(self.links) if "on_complete" in link.hooks]
        self._conditional = [link for link in self.links if link.condition is not None]
        self.has_complete = bool(self._complete)
        self.needs_request_body = any(link.plugin.needs_request_body for link in self.links)

    @staticmethod
    def link(index: int, use: str, plugin: Plugin, when: When | None, mode: str) -> Link:
        plugin.mode = mode
        return Link(
            index,
            use,
            plugin,
            implemented_hooks(type(plugin)),
            Condition.compile(when) if when else None,
            mode == "monitor",
        )

    @property
    def plugins(self) -> list[Plugin]:
        return [link.plugin for link in self.links]

    async def run_request(self, ex: Exchange) -> Response | None:
        """The request phase; a Response (or a raised PolicyError) means answer now."""
        skipped = self._evaluate_conditions(ex) if self._conditional else None
        for link in self._request:
            if skipped is not None and self._skip(ex, link, skipped):
                continue
            trace = ex.trace  # set by a tracing plugin earlier in this loop
            try:
                if trace is None:
                    response = await link.plugin.on_request(ex)
                else:
                    # Timed here, reported only when the hook did work (the seam says why).
                    start = time_ns()
                    try:
                        response = await link.plugin.on_request(ex)
                    except BaseException as exc:
                        trace.plugin_hook(link.use, "request", start, time_ns(), exc)
                        raise
                    end = time_ns()
                    if end - start >= trace.plugin_span_min_ns:
                        trace.plugin_hook(link.use, "request", start, end, None)
            except GatewayError as error:
                if link.monitor:
                    ex.record_event(
                        error.type, link.use, error.message, monitored=True, status=error.status
                    )
                    continue
                ex.chain_depth = link.index
                raise
            if response is not None:
                if link.monitor:
                    ex.record_event(
                        "would_answer",
                        link.use,
                        f"status {response.status_code}",
                        monitored=True,
                        status=response.status_code,
                    )
                    continue
                ex.chain_depth = link.index
                return response
        return None

    def _evaluate_conditions(self, ex: Exchange) -> set[int]:
        # Checked once, before the first plugin runs — except claim conditions, which need
        # the identity an earlier plugin sets: those are checked just before their plugin.
        skipped = {
            link.index
            for link in self._conditional
            if link.condition and not link.condition.claims and not link.condition.matches(ex)
        }
        ex.skipped = skipped
        return skipped

    @staticmethod
    def _skip(ex: Exchange, link: Link, skipped: set[int]) -> bool:
        if link.index in skipped:
            return True
        if link.condition is not None and link.condition.claims and not link.condition.matches(ex):
            skipped.add(link.index)
            return True
        return False

    def _ran(self, ex: Exchange, link: Link) -> bool:
        """Whether ``link`` took part in this exchange (its later phases then run)."""
        if link.index > ex.chain_depth:
            return False
        skipped = ex.skipped
        if skipped is not None:
            if link.index in skipped:
                return False
            if "on_request" not in link.hooks:
                return self._skip(ex, link, skipped) is False
        return True

    async def run_response(self, ex: Exchange) -> None:
        """The response phase, reverse order, for the plugins whose request phase ran."""
        depth = ex.chain_depth
        skipped = ex.skipped
        for link in self._response:
            # ``_ran``'s usual answer inlined (no condition skipped anything): a call per
            # plugin per request less.
            if link.index > depth or (skipped is not None and not self._ran(ex, link)):
                continue
            await link.plugin.on_response(ex)

    def chunk_filters(self, ex: Exchange) -> list[ChunkFilter]:
        """The body filters that apply to this exchange, in the order they run."""
        if not self._chunk:
            return []
        return [link.plugin.on_chunk for link in self._chunk if self._ran(ex, link)]

    async def run_complete(self, ex: Exchange) -> None:
        """The complete phase: every hook runs; a failing one is logged and the rest go on."""
        for link in self._complete:
            if not self._ran(ex, link):
                continue
            try:
                await link.plugin.on_complete(ex)
            except Exception:
                log.exception(
                    "plugin %s failed in on_complete", link.use, extra={"request_id": ex.request_id}
                )

    async def close(self) -> None:
        for link in self.links:
            try:
                await link.plugin.close()
            except Exception:
                log.exception("plugin %s failed to close", link.use)
