"""Pure parsing and arithmetic for the harness: percentiles, wrk output, /proc files.

Kept free of I/O so that the numbers the harness reports can be unit-tested without
starting anything (tests/benchmarks/). Everything here takes text or numbers and
returns numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The Lua `done()` hook in wrk_post.lua prints one line with this prefix followed by JSON.
# It carries exact microsecond percentiles, which wrk's human summary rounds.
WRK_JSON_PREFIX = "BENCH_JSON "

_REQS_PER_SEC = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_COMPLETED = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile by linear interpolation between closest ranks.

    The same definition numpy uses by default, so figures can be cross-checked; written
    out here so the harness needs no numpy. An empty input is an error, not zero: a
    scenario that measured nothing must not print a flattering figure.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= pct <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {pct}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class WrkResult:
    """One wrk run. Latencies in milliseconds; `errors` counts socket errors and non-2xx."""

    requests: int
    duration_s: float
    requests_per_sec: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx


def parse_wrk(output: str) -> WrkResult:
    """Parse wrk's stdout, preferring the JSON line our Lua `done()` hook prints.

    Socket errors and non-2xx counts come from the human summary (wrk prints them only
    when non-zero). Raises ValueError when the output holds no result at all, which is
    what a wrk that could not connect produces.
    """
    socket_errors = 0
    match = _SOCKET_ERRORS.search(output)
    if match:
        socket_errors = sum(int(group) for group in match.groups())
    non_2xx_match = _NON_2XX.search(output)
    non_2xx = int(non_2xx_match.group(1)) if non_2xx_match else 0

    for line in output.splitlines():
        if line.startswith(WRK_JSON_PREFIX):
            data = json.loads(line[len(WRK_JSON_PREFIX) :])
            duration_s = data["duration_us"] / 1e6
            requests = int(data["requests"])
            return WrkResult(
                requests=requests,
                duration_s=duration_s,
                requests_per_sec=requests / duration_s if duration_s > 0 else 0.0,
                p50_ms=data["p50_us"] / 1000.0,
                p90_ms=data["p90_us"] / 1000.0,
                p99_ms=data["p99_us"] / 1000.0,
                max_ms=data["max_us"] / 1000.0,
                socket_errors=socket_errors,
                non_2xx=max(non_2xx, int(data.get("non_2xx", 0))),
            )

    rps = _REQS_PER_SEC.search(output)
    completed = _COMPLETED.search(output)
    if not rps or not completed:
        raise ValueError("no wrk result in output:\n" + output[-2000:])
    raise ValueError(
        "wrk printed a summary but not the BENCH_JSON line: run it with benchmarks/wrk_post.lua"
    )


@dataclass(frozen=True)
class ProcStat:
    """CPU time of one process, in clock ticks, from /proc/<pid>/stat."""

    pid: int
    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int


def parse_proc_stat(text: str) -> ProcStat:
    """Parse /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses,
    so fields are counted from the last ')' rather than split naively."""
    close = text.rindex(")")
    pid = int(text[: text.index("(")].strip())
    rest = text[close + 2 :].split()
    # rest[0] is field 3 (state); utime is field 14, so rest[11].
    return ProcStat(
        pid=pid,
        ppid=int(rest[1]),
        utime=int(rest[11]),
        stime=int(rest[12]),
        cutime=int(rest[13]),
        cstime=int(rest[14]),
    )


def parse_status_kib(text: str, field: str) -> int:
    """A kB field (VmHWM, VmRSS…) from /proc/<pid>/status, in KiB."""
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ValueError(f"{field} not in /proc status")


def tree_cpu_ticks(stats: Sequence[ProcStat], root: int) -> int:
    """utime+stime of `root` and every live descendant, plus children already reaped
    (cutime/cstime). Hypercorn with workers > 1 forks; this counts them all."""
    children: dict[int, list[ProcStat]] = {}
    by_pid: dict[int, ProcStat] = {}
    for stat in stats:
        by_pid[stat.pid] = stat
        children.setdefault(stat.ppid, []).append(stat)
    if root not in by_pid:
        raise ValueError(f"process {root} is not running")
    total = 0
    pending = [by_pid[root]]
    while pending:
        stat = pending.pop()
        total += stat.utime + stat.stime + stat.cutime + stat.cstime
        pending.extend(children.get(stat.pid, []))
    return total


def ratio(value: float | None, floor: float | None) -> float | None:
    """value / floor, or None when either is missing or the floor is zero."""
    if value is None or floor is None or floor == 0:
        return None
    return value / floor


def median_figures(rounds: Sequence[Mapping[str, float | None]]) -> dict[str, float | None]:
    """Per-key median over repeated rounds (`--repeat`); a key missing in any round is None.

    Rounds of all systems are interleaved (A B C, A B C…), so slow drift of the machine
    hits every system alike, and the median drops the odd disturbed round.
    """
    keys = {key for figures in rounds for key in figures}
    merged: dict[str, float | None] = {}
    for key in sorted(keys):
        values = [figures.get(key) for figures in rounds]
        present = [v for v in values if v is not None]
        merged[key] = percentile(present, 50) if len(present) == len(values) else None
    return merged


def parse_cpu_busy_ticks(proc_stat: str) -> int:
    """user + nice + system ticks of all CPUs from the first line of /proc/stat.

    Only time the kernel attributes to processes: irq/softirq (loopback networking) is left
    out, so that it can be compared with the CPU time of the processes we started.
    """
    first = proc_stat.splitlines()[0].split()
    if first[0] != "cpu":
        raise ValueError("first line of /proc/stat is not the cpu total")
    user, nice, system = (int(v) for v in first[1:4])
    return user + nice + system
