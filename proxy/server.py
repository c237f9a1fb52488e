"""Running the gateway: config, signals, hot reload, workers, graceful stop.

The HTTP server is an engine chosen by ``[server] engine`` (``proxy.engines``: Hypercorn by
default, or Granian), driven programmatically so the listen backlog, header limits and
drain timeout come from config.toml. SIGHUP reloads in place (a new Runtime swapped in,
nothing restarted); SIGTERM/SIGINT stop accepting and drain in-flight requests up to
``shutdown_timeout``. With ``workers > 1`` the parent binds the sockets once, starts that
many worker processes, and forwards SIGHUP to each, so every worker reloads in place too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from proxy.admin import build_admin
from proxy.app import AdminListener, Gateway
from proxy.config.errors import ConfigError
from proxy.config.loader import load_config
from proxy.config.models import ServerConfig
from proxy.engines import Listeners, bind, engine
from proxy.observe.logging import setup_logging
from proxy.observe.metrics import Metrics
from proxy.observe.workers import WorkerSnapshots
from proxy.runtime import Runtime

log = logging.getLogger("sluicegate.server")


@dataclass
class ServeOptions:
    config_path: str
    profile: str | None = None
    watch: bool = False
    # Set by the parent of several workers: where each writes its metrics snapshot.
    metrics_dir: str | None = None


class Reloader:
    """Re-reads the config and swaps a new Runtime in; a bad config leaves the old serving."""

    def __init__(self, gateway: Gateway, options: ServeOptions, metrics: Metrics) -> None:
        self.gateway = gateway
        self.options = options
        self.metrics = metrics
        self._lock = asyncio.Lock()
        self._mtimes = self._snapshot()

    async def reload(self) -> tuple[bool, str]:
        async with self._lock:
            current = self.gateway.runtime
            try:
                loaded = load_config(self.options.config_path, self.options.profile)
                same_state = loaded.config.state == current.loaded.config.state
                same_keys = (
                    loaded.config.keys == current.loaded.config.keys
                    and loaded.path.parent == current.loaded.path.parent
                )
                runtime = Runtime.build(
                    loaded,
                    self.metrics,
                    store=current.store if same_state else None,
                    kept=current.services.kept,  # in-process caches survive the reload
                    keys=current.keys if same_keys else None,
                )
                if self.gateway.started:
                    await runtime.open()
            except ConfigError as error:
                self.metrics.reloads.labels("rejected").inc()
                log.error("reload rejected; config %s keeps serving:\n%s", current.version, error)
                self.metrics.journal.reloaded(False, str(error), current.version)
                return False, str(error)
            except Exception as error:  # a plugin or provider that failed to build
                self.metrics.reloads.labels("failed").inc()
                log.exception("reload failed; config %s keeps serving", current.version)
                self.metrics.journal.reloaded(False, f"reload failed: {error}", current.version)
                return False, f"reload failed: {error}"
            retired = self.gateway.swap(runtime)
            # Once the old runtime is gone, let the collector see the heap again and re-freeze.
            retired.add_done_callback(lambda _: refreeze_heap())
            self.gateway.admin_app = build_admin(self.gateway, self.reload)
            self.metrics.reloads.labels("ok").inc()
            log.info(
                "reloaded",
                extra={"config_version": runtime.version, "previous_version": current.version},
            )
            self._mtimes = self._snapshot()
            self.metrics.journal.reloaded(
                True, f"config {runtime.version} is live", runtime.version
            )
            return True, f"config {runtime.version} is live"

    def _snapshot(self) -> dict[Path, float]:
        """Modification times of the config, its profile overlay and every policy file."""
        loaded = self.gateway.runtime.loaded
        files = [loaded.path, *loaded.path.parent.glob(f"{loaded.path.stem}.*.toml")]
        policies = loaded.path.parent / loaded.config.policies_dir
        files += list(policies.glob("*.toml"))
        return {f: _mtime(f) for f in files}

    async def watch(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            current = self._snapshot()
            if current != self._mtimes:
                self._mtimes = current
                await self.reload()


# The cyclic collector's young-generation threshold while serving (CPython's default: 700).
# Requests free their objects by reference counting (they make no reference cycles:
# tests/integration/test_no_cycles.py), so an automatic collection finds almost nothing; what
# it costs is scanning the young objects that are alive, i.e. the requests in flight. The
# count is allocations minus frees, so it grows with the objects held by requests in flight:
# ~70,000 for 500 streams. At 700, 64 requests in flight made it run every few requests
# (~21 µs per request at c=64). At 10,000, 500 streams opened at once triggered ~7 young
# and a 30-70 ms middle collection per burst (~80 ms of the ~800 ms of CPU a burst costs).
# At 100,000 such a burst runs none (benchmarks/gc_pauses.py; issue 15's stream tail).
# Cyclic garbage from elsewhere is still collected, in rarer passes.
YOUNG_GENERATION_THRESHOLD = 100_000


def settle_heap() -> None:
    """Move what the config load built out of the cyclic collector's sight, and let the
    collector run only when young objects really pile up.

    Everything a Runtime holds lives until the next reload, yet every full collection would
    walk it again; requests themselves free their objects by reference counting. Frozen, the
    collector scans only per-request garbage: measured ~15% less CPU per request.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def refreeze_heap() -> None:
    """After a reload retired the old runtime: let the collector find it, then freeze again."""
    gc.unfreeze()
    settle_heap()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def build_gateway(
    options: ServeOptions, metrics: Metrics | None = None
) -> tuple[Gateway, Reloader]:
    loaded = load_config(options.config_path, options.profile)
    metrics = metrics or Metrics()
    runtime = Runtime.build(loaded, metrics)
    gateway = Gateway(runtime, loaded.config.server.shutdown_timeout)
    reloader = Reloader(gateway, options, metrics)
    admin = loaded.config.server.admin_listen
    if admin:
        gateway.admin_listener = AdminListener.parse(admin)
        gateway.admin_app = build_admin(gateway, reloader.reload)
    for warning in loaded.warnings:
        log.warning(warning)
    return gateway, reloader


async def serve_worker(options: ServeOptions, listeners: Listeners | None = None) -> None:
    """One worker: build the gateway, install signal handlers, serve until told to stop."""
    gateway, reloader = build_gateway(options)
    loaded = gateway.runtime.loaded
    setup_logging(loaded.config.logging.level)
    settle_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    background: set[asyncio.Task[Any]] = set()

    def on_hup() -> None:
        task = loop.create_task(reloader.reload())
        background.add(task)
        task.add_done_callback(background.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if options.watch:
        background.add(loop.create_task(reloader.watch()))
    snapshots = None
    if options.metrics_dir:
        metrics = gateway.runtime.metrics
        snapshots = metrics.workers = WorkerSnapshots(Path(options.metrics_dir), metrics.registry)
        background.add(loop.create_task(snapshots.run()))
    log.info(
        "sluicegate serving",
        extra={
            "listen": loaded.config.server.listen,
            "admin": loaded.config.server.admin_listen,
            "config_version": gateway.runtime.version,
            "pid": os.getpid(),
        },
    )
    server = loaded.config.server
    await serve_gateway(gateway, server, listeners or bind(server), stop)
    for task in background:
        task.cancel()
    if snapshots is not None:
        with contextlib.suppress(OSError):
            snapshots.write()  # what this worker counted stays in the others' scrapes


async def serve_gateway(
    gateway: Gateway, server: ServerConfig, listeners: Listeners, stop: asyncio.Event
) -> None:
    """Serve ``gateway`` on ``listeners`` under the configured engine until ``stop``."""
    if listeners.admin is not None:
        # The admin socket's real address: a host name or port 0 in admin_listen resolved.
        host, port = listeners.admin.getsockname()[:2]
        gateway.admin_listener = AdminListener(str(host), int(port))
    try:
        await engine(server.engine).serve(gateway, server, listeners, stop)
    finally:
        listeners.close()


def run(options: ServeOptions) -> int:
    """Entry point of ``sluicegate serve``: returns the process exit code."""
    loaded = load_config(options.config_path, options.profile)  # fail fast, before forking
    setup_logging(loaded.config.logging.level)
    workers = loaded.config.server.workers
    if workers == 1:
        _run_loop(serve_worker(options))
        return 0
    return _run_workers(options, loaded.config.server, workers)


def _run_loop(main: Any) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


def _worker_main(options: ServeOptions, listeners: Listeners) -> None:
    _run_loop(serve_worker(options, listeners))


def _run_workers(options: ServeOptions, server: ServerConfig, workers: int) -> int:
    metrics_dir = tempfile.mkdtemp(prefix="sluicegate-metrics-")
    try:
        return _start_workers(replace(options, metrics_dir=metrics_dir), server, workers)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _start_workers(options: ServeOptions, server: ServerConfig, workers: int) -> int:
    listeners = bind(server)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker_main, args=(options, listeners), daemon=False)
        for _ in range(workers)
    ]
    for process in processes:
        process.start()

    def forward(signum: int, frame: Any) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)

    for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    code = 0
    for process in processes:
        process.join()
        code = code or (process.exitcode or 0)
    return code
