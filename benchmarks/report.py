"""Turning measured figures into the table, the JSON record and the Markdown record.

Each figure of each system is printed beside the two baselines of the same run ("direct"
and "floor") and its ratio to the floor. Latency figures also get an "added" row: the
figure minus direct's, i.e. what the proxy itself costs on top of the upstream.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from benchmarks.scenarios import Figure, Figures, Scenario, Settings
from benchmarks.stats import ratio
from benchmarks.systems import System
from benchmarks.targets import DISTURBED_PCT, Verdict

FLOOR = "floor"
DIRECT = "direct"
# Other work above this share of one core during a measurement marks it as disturbed.
OTHER_LOAD_WARN_PCT = DISTURBED_PCT


def disturbance(results: dict[str, Figures]) -> str | None:
    """A warning line when other processes loaded the machine during the measurements."""
    loads = [f["other_load_pct"] for f in results.values() if f.get("other_load_pct") is not None]
    worst = max((v for v in loads if v is not None), default=0.0)
    if worst <= OTHER_LOAD_WARN_PCT:
        return None
    return (
        f"**Disturbed**: other processes used up to {worst:.0f}% of a core during these "
        "measurements (row `other load %core`); do not quote these figures as the system's."
    )


Row = tuple[str, dict[str, float | None]]


def rows(scenario: Scenario, results: dict[str, Figures]) -> list[Row]:
    """(label, {system: value}) per table row, "added" rows included."""
    out: list[Row] = []
    direct = results.get(DIRECT, {})
    for figure in scenario.figures:
        out.append((figure.label, {name: figs.get(figure.key) for name, figs in results.items()}))
        if figure.added and direct.get(figure.key) is not None:
            base = direct[figure.key]
            assert base is not None
            added: dict[str, float | None] = {}
            for name, figs in results.items():
                value = figs.get(figure.key)
                added[name] = None if value is None or name == DIRECT else value - base
            out.append((f"added {figure.label}", added))
    return out


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _figure(scenario: Scenario, label: str) -> Figure | None:
    for figure in scenario.figures:
        if label in (figure.label, f"added {figure.label}"):
            return figure
    return None


def table(
    scenario: Scenario, systems: list[System], results: dict[str, Figures]
) -> list[list[str]]:
    """Header + rows: system columns, then one "<name>/floor" ratio column per non-baseline."""
    names = [s.name for s in systems if s.name in results]
    compared = [s.name for s in systems if s.name in results and not s.baseline]
    header = [scenario.name, *names, *[f"{name}/floor" for name in compared]]
    body = [header]
    for label, values in rows(scenario, results):
        figure = _figure(scenario, label)
        digits = figure.digits if figure else 2
        line = [label, *[_fmt(values.get(name), digits) for name in names]]
        for name in compared:
            comparable = figure is None or figure.compare
            r = ratio(values.get(name), values.get(FLOOR)) if comparable else None
            line.append("—" if r is None else f"{r:.2f}x")
        body.append(line)
    return body


def render_text(grid: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for index, row in enumerate(grid):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(grid: list[list[str]]) -> str:
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * len(grid[0])]
    lines += ["| " + " | ".join(row) + " |" for row in grid[1:]]
    return "\n".join(lines)


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": _cpu_count(),
        "cpu_model": _cpu_model(),
    }


def _cpu_count() -> int:
    return os.cpu_count() or 1


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def write(
    out_dir: Path,
    stamp: datetime,
    scenario: Scenario,
    systems: list[System],
    results: dict[str, Figures],
    settings: Settings,
    quick: bool,
    rounds: dict[str, list[Figures]] | None = None,
) -> tuple[Path, Path]:
    """Write <date>-<scenario>.json and .md into `out_dir`; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"{stamp:%Y-%m-%d-%H%M%S}-{scenario.name}"
    grid = table(scenario, systems, results)
    used = [s for s in systems if s.name in results]
    record = {
        "scenario": scenario.name,
        "description": scenario.description,
        "time": stamp.isoformat(timespec="seconds"),
        "quick": quick,
        "repeat": max((len(r) for r in (rounds or {}).values()), default=1),
        "settings": asdict(settings),
        "machine": machine(),
        "systems": {s.name: {"description": s.description, "baseline": s.baseline} for s in used},
        "disturbed": disturbance(results) is not None,
        "results": results,
        "rounds": rounds or {},
        "figures": [asdict(f) for f in scenario.figures],
    }
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    md = [
        f"# {scenario.name} — {stamp:%Y-%m-%d %H:%M:%S}" + (" (quick)" if quick else ""),
        "",
        scenario.description + ".",
        "",
        *([warning, ""] if (warning := disturbance(results)) else []),
        render_markdown(grid),
        "",
        "Systems:",
        "",
        *[f"- `{s.name}`: {s.description}" for s in used],
        "",
        f"Settings: {json.dumps(asdict(settings))}; machine: {json.dumps(machine())}.",
        "",
    ]
    md_path = base.with_suffix(".md")
    md_path.write_text("\n".join(md))
    return json_path, md_path


def write_summary(
    out_dir: Path,
    stamp: datetime,
    grids: list[tuple[list[list[str]], str | None]],
    verdicts: list[Verdict],
    failures: list[str],
    quick: bool,
) -> Path:
    """<date>-summary.md: every scenario's table and the target verdicts of the run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"# Benchmark run {stamp:%Y-%m-%d %H:%M:%S}" + (" (quick)" if quick else ""), ""]
    for grid, warning in grids:
        lines += [f"## {grid[0][0]}", "", render_markdown(grid), ""]
        if warning:
            lines += [warning, ""]
    lines += ["## Targets (same-run comparisons)", "", "| status | source | target | figures |"]
    lines.append("|---|---|---|---|")
    for v in verdicts:
        lines.append(f"| {v.status} | {v.target.source} | {v.target.describe()} | {v.detail} |")
    if failures:
        lines += ["", "## Failures", "", *[f"- {failure}" for failure in failures]]
    lines += ["", f"Machine: {json.dumps(machine())}.", ""]
    path = out_dir / f"{stamp:%Y-%m-%d-%H%M%S}-summary.md"
    path.write_text("\n".join(lines))
    return path
