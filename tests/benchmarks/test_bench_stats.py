"""The benchmark harness's pure functions: the figures it prints are only as right as these."""

from __future__ import annotations

import pytest

from benchmarks.report import disturbance, rows, table
from benchmarks.scenarios import FULL, SCENARIOS, select, sse_interval_ms
from benchmarks.sse_client import StreamOutcome, count_events, summarise
from benchmarks.stats import (
    ProcStat,
    median_figures,
    parse_cpu_busy_ticks,
    parse_proc_stat,
    parse_status_kib,
    parse_wrk,
    percentile,
    ratio,
    tree_cpu_ticks,
)
from benchmarks.systems import SYSTEMS
from benchmarks.targets import TARGETS, check

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40000/v1/chat/completions
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    28.11ms    5.02ms  61.20ms   80.00%
    Req/Sec     2.28k   120.00     2.50k    70.00%
  22800 requests in 10.00s, 9.10MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:   2279.90
Transfer/sec:      0.91MB
BENCH_JSON {"requests":22800,"duration_us":10000500,"p50_us":27100,"p90_us":33000,\
"p99_us":45250,"max_us":61200,"non_2xx":7,"connect":0,"read":3,"write":0,"timeout":2}
"""


def test_percentile_interpolates_between_ranks() -> None:
    values = [10.0, 1.0, 4.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 10.0
    assert percentile(values, 75) == 4.0
    assert percentile([1.0, 2.0], 50) == pytest.approx(1.5)
    assert percentile([1.0, 2.0, 3.0, 4.0], 99) == pytest.approx(3.97)


def test_percentile_refuses_empty_input_and_bad_rank() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_parse_wrk_reads_json_line_and_error_counts() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests == 22800
    assert result.requests_per_sec == pytest.approx(22800 / 10.0005)
    assert result.p50_ms == pytest.approx(27.1)
    assert result.p99_ms == pytest.approx(45.25)
    assert result.max_ms == pytest.approx(61.2)
    assert result.socket_errors == 5
    assert result.non_2xx == 7
    assert result.errors == 12


def test_parse_wrk_without_result_is_an_error() -> None:
    with pytest.raises(ValueError, match="no wrk result"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")
    summary_only = "\n".join(line for line in WRK_OUTPUT.splitlines() if "BENCH_JSON" not in line)
    with pytest.raises(ValueError, match=r"wrk_post\.lua"):
        parse_wrk(summary_only)


def test_parse_proc_stat_survives_spaces_and_parens_in_the_name() -> None:
    fields = " ".join(["S", "41"] + ["0"] * 9 + ["150", "30", "7", "3"] + ["0"] * 30)
    stat = parse_proc_stat(f"1234 (python (bench) x) {fields}")
    assert stat == ProcStat(pid=1234, ppid=41, utime=150, stime=30, cutime=7, cstime=3)


def test_parse_real_proc_files_of_this_process() -> None:
    import os
    from pathlib import Path

    stat = parse_proc_stat(Path("/proc/self/stat").read_text())
    assert stat.pid == os.getpid()
    assert stat.ppid == os.getppid()
    assert parse_status_kib(Path("/proc/self/status").read_text(), "VmHWM") > 0
    with pytest.raises(ValueError, match="VmNope"):
        parse_status_kib("VmHWM:\t  100 kB\n", "VmNope")


def test_tree_cpu_counts_descendants_not_strangers() -> None:
    stats = [
        ProcStat(10, 1, utime=100, stime=20, cutime=5, cstime=5),  # the server
        ProcStat(11, 10, utime=40, stime=10, cutime=0, cstime=0),  # its worker
        ProcStat(12, 11, utime=1, stime=1, cutime=0, cstime=0),  # worker's child
        ProcStat(20, 1, utime=999, stime=999, cutime=0, cstime=0),  # unrelated
    ]
    assert tree_cpu_ticks(stats, 10) == 130 + 50 + 2
    assert tree_cpu_ticks(stats, 11) == 52
    with pytest.raises(ValueError, match="not running"):
        tree_cpu_ticks(stats, 99)


def test_ratio_is_none_without_a_floor() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(3.0, 0.0) is None


def test_count_events_needs_done_and_ignores_comments() -> None:
    body = b': keep-alive\n\ndata: {"a":1}\n\ndata: {"a":2}\r\n\r\ndata: [DONE]\n\n'
    assert count_events(body) == (2, True)
    assert count_events(b'data: {"a":1}\n\n') == (1, False)


def test_table_adds_added_rows_and_ratios_to_the_floor() -> None:
    scenario = next(s for s in SCENARIOS if s.name == "latency_c1")
    results = {
        "direct": {"rps": 40000.0, "p50_ms": 0.05, "p99_ms": 0.1, "cpu_us_per_req": None},
        "floor": {"rps": 2000.0, "p50_ms": 0.45, "p99_ms": 0.9, "cpu_us_per_req": 400.0},
        "gateway": {"rps": 1600.0, "p50_ms": 0.65, "p99_ms": 1.3, "cpu_us_per_req": 500.0},
    }
    labelled = dict(rows(scenario, results))
    assert labelled["added p50 ms"]["gateway"] == pytest.approx(0.6)
    assert labelled["added p50 ms"]["direct"] is None
    grid = table(scenario, SYSTEMS, results)
    assert grid[0] == ["latency_c1", "direct", "floor", "gateway", "gateway/floor"]
    by_label = {row[0]: row for row in grid[1:]}
    assert by_label["req/s"][-1] == "0.80x"
    assert by_label["added p50 ms"][-1] == "1.50x"
    assert by_label["CPU µs/req"][1] == "—"


def test_median_figures_takes_the_middle_round_and_keeps_gaps_visible() -> None:
    rounds = [
        {"rps": 2000.0, "p50_ms": 0.5, "cpu": None},
        {"rps": 1000.0, "p50_ms": 0.7, "cpu": 3.0},
        {"rps": 2200.0, "p50_ms": 0.6, "cpu": 4.0},
    ]
    merged = median_figures(rounds)
    assert merged["rps"] == 2000.0
    assert merged["p50_ms"] == pytest.approx(0.6)
    assert merged["cpu"] is None  # missing in one round: not silently a median of two


def test_cpu_busy_ticks_counts_process_time_only() -> None:
    text = "cpu  100 5 40 9000 30 7 11 2 0 0\ncpu0 50 2 20 4500 15 3 5 1 0 0\n"
    assert parse_cpu_busy_ticks(text) == 145  # user + nice + system; not idle, irq, steal
    with pytest.raises(ValueError, match="cpu total"):
        parse_cpu_busy_ticks("intr 1 2 3\n")
    from pathlib import Path

    assert parse_cpu_busy_ticks(Path("/proc/stat").read_text()) > 0


def test_disturbance_flags_runs_with_other_load() -> None:
    quiet = {"floor": {"other_load_pct": 1.0}, "gateway": {"other_load_pct": 4.9}}
    assert disturbance(quiet) is None
    busy = {"floor": {"other_load_pct": 2.0}, "gateway": {"other_load_pct": 88.0}}
    warning = disturbance(busy)
    assert warning is not None and "88%" in warning
    assert disturbance({"direct": {"other_load_pct": None}}) is None


def test_targets_compare_within_one_run_and_flag_disturbed_ones() -> None:
    from benchmarks.targets import Target, check

    target = Target("issue 2", "throughput_c64", "rps", "gateway", "floor", "ratio_min", 0.7)
    quiet = {"throughput_c64": {"floor": {"rps": 2000.0}, "gateway": {"rps": 1500.0}}}
    assert check(target, quiet).status == "pass"
    slow = {"throughput_c64": {"floor": {"rps": 2000.0}, "gateway": {"rps": 1300.0}}}
    assert check(target, slow).status == "FAIL"
    busy = {
        "throughput_c64": {
            "floor": {"rps": 2000.0, "other_load_pct": 40.0},
            "gateway": {"rps": 1500.0, "other_load_pct": 1.0},
        }
    }
    assert check(target, busy).status == "pass*"
    assert check(target, {}).status == "skipped"
    added = Target("issue 4", "latency_c1", "p50_ms", "jwt", "gateway", "diff_max", 0.5)
    figures = {"latency_c1": {"gateway": {"p50_ms": 0.6}, "jwt": {"p50_ms": 1.2}}}
    assert check(added, figures).status == "FAIL"


def test_stream_summary_counts_what_was_shed_and_how() -> None:
    outcomes = [
        StreamOutcome(True, 0.1, 0.5, status=200),
        StreamOutcome(True, 0.3, 0.7, status=200),
        StreamOutcome(False, 0.01, 0.02, "status 503", 503, retry_after=True),
        StreamOutcome(False, 0.01, 0.04, "status 503", 503, retry_after=False),
        StreamOutcome(False, 30.0, 30.0, "status 504", 504),
        StreamOutcome(False, None, None, "ServerDisconnectedError"),
        StreamOutcome(False, None, None, "client timeout"),
        StreamOutcome(False, 0.1, 0.5, "incomplete (3 events, done=False)", 200),
    ]
    summary = summarise(outcomes, rounds=1, wall=1.0)
    assert (summary["streams"], summary["completed"], summary["failed"]) == (8, 2, 6)
    assert (summary["shed_503"], summary["shed_503_retry_after"]) == (2, 1)
    assert summary["shed_503_p99_ms"] == pytest.approx(39.8)
    assert (summary["status_504"], summary["resets"], summary["client_timeouts"]) == (1, 1, 1)
    assert summary["status_other"] == 0
    assert summary["ttfb_p50_ms"] == pytest.approx(200.0)


def test_the_many_streams_group_and_the_chunk_spacing_of_each_upstream() -> None:
    many = select(["streams_many"])
    assert [s.name for s in many] == [f"streams_{n}" for n in (1000, 2000, 4000, 8000)]
    assert all(not s.default and s.systems and "floor" in s.systems for s in many)
    assert [s.name for s in select(["stream_500_20ms"])] == ["stream_500_20ms"]
    assert sse_interval_ms("sse", FULL) == FULL.stream_interval_ms
    assert sse_interval_ms("sse_20ms", FULL) == 20.0
    with pytest.raises(KeyError):
        select(["streams_lots"])
    names = {s.name for s in SYSTEMS}
    assert all(set(s.systems or ()) <= names for s in SCENARIOS)


def test_a_budget_target_ignores_the_reference_value() -> None:
    rss = next(t for t in TARGETS if t.figure == "peak_rss_mib")
    results = {
        "streams_8000": {rss.system: {"peak_rss_mib": 400.0}, "floor": {"peak_rss_mib": 9.0}}
    }
    assert check(rss, results).status == "pass"
    results["streams_8000"][rss.system]["peak_rss_mib"] = 600.0
    verdict = check(rss, results)
    assert verdict.status == "FAIL" and "budget 512" in verdict.detail
