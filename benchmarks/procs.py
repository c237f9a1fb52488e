"""Starting, pinning, measuring and stopping the processes of a benchmark run.

Every process is started in its own session under `taskset`, registered with a
`ProcessGroup`, and killed by process group when the run ends, errors or is interrupted:
a benchmark must never leave an nginx or a gateway behind on the machine.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.stats import (
    ProcStat,
    parse_cpu_busy_ticks,
    parse_proc_stat,
    parse_status_kib,
    tree_cpu_ticks,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def pinned(cpu: int | None, argv: Sequence[str]) -> list[str]:
    """argv prefixed with `taskset -c <cpu>`; taskset execs, so the pid stays the target's."""
    if cpu is None or (os.cpu_count() or 1) < 2:
        return list(argv)
    return ["taskset", "-c", str(cpu), *argv]


@dataclass
class Started:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class ProcessGroup:
    """Owns every process a run starts; `close()` stops them all (also on error)."""

    log_dir: Path
    started: list[Started] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cpu: int | None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Started:
        log = self.log_dir / f"{name}.log"
        full_env = {**os.environ, **(env or {})}
        with log.open("ab") as out:
            popen = subprocess.Popen(
                pinned(cpu, argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full_env,
                cwd=cwd,
                start_new_session=True,
            )
        proc = Started(name, popen, log)
        self.started.append(proc)
        return proc

    def stop(self, proc: Started, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL if it has not gone within `timeout`."""
        if proc.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.popen.wait(5)
        # Children that outlived the leader (a forked worker) share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.started:
            self.started.remove(proc)

    def close(self) -> None:
        for proc in reversed(list(self.started)):
            self.stop(proc)


def wait_http(proc: Started, url: str, timeout: float = 30.0, expect: int | None = None) -> None:
    """Poll `url` until it answers (with status `expect`, when given) or fail loudly.

    Fails at once, with the process's log, when the process exits while we wait.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(
                f"{proc.name} exited with {proc.popen.returncode} while starting:\n"
                + proc.log_tail()
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            last = str(exc)
            time.sleep(0.05)
            continue
        if expect is None or status == expect:
            return
        last = f"status {status}"
        time.sleep(0.05)
    raise RuntimeError(
        f"{proc.name} not ready at {url} after {timeout}s ({last}):\n" + proc.log_tail()
    )


def wait_tcp(proc: Started, port: int, timeout: float = 30.0) -> None:
    """Poll until 127.0.0.1:<port> accepts a connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(
                f"{proc.name} exited with {proc.popen.returncode}:\n" + proc.log_tail()
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.name} not listening on {port} after {timeout}s:\n" + proc.log_tail())


def _all_stats() -> list[ProcStat]:
    stats = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stats.append(parse_proc_stat(Path(f"/proc/{entry}/stat").read_text()))
    return stats


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of `pid` and all its descendants (live and reaped)."""
    return tree_cpu_ticks(_all_stats(), pid) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    stats = _all_stats()
    found = [pid]
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for stat in stats:
            if stat.ppid == parent:
                found.append(stat.pid)
                frontier.append(stat.pid)
    return found


def peak_rss_mib(pid: int, field: str = "VmHWM") -> float:
    """Peak resident set (VmHWM) of `pid` plus its live descendants, in MiB; with
    field="VmRSS", the resident set now."""
    total = 0
    for member in descendants(pid):
        with contextlib.suppress(OSError, ValueError):
            total += parse_status_kib(Path(f"/proc/{member}/status").read_text(), field)
    return total / 1024.0


class Interference:
    """How much CPU other work on the machine used while we measured.

    Machine-wide process CPU time (/proc/stat) minus the CPU time of everything this run
    owns: the live processes of the group, the harness itself and its reaped children (wrk,
    the SSE client). The remainder is someone else's, and it is reported beside the figures
    (in % of one core) so that a disturbed measurement is visible, not silently believed.
    """

    def __init__(self, group: ProcessGroup) -> None:
        self.group = group
        self.start_wall = 0.0
        self.start_busy = 0.0
        self.start_own = 0.0

    def _own(self) -> float:
        own = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            own += usage.ru_utime + usage.ru_stime
        for proc in self.group.started:
            with contextlib.suppress(ValueError):
                own += cpu_seconds(proc.pid)
        return own

    def _busy(self) -> float:
        return parse_cpu_busy_ticks(Path("/proc/stat").read_text()) / CLOCK_TICKS

    def start(self) -> None:
        self.start_wall = time.monotonic()
        self.start_busy = self._busy()
        self.start_own = self._own()

    def foreign_core_pct(self) -> float:
        """Other processes' CPU since start(), in % of one core (never below zero)."""
        wall = time.monotonic() - self.start_wall
        foreign = (self._busy() - self.start_busy) - (self._own() - self.start_own)
        return max(0.0, foreign) / wall * 100.0 if wall > 0 else 0.0
