#!/usr/bin/env bash
# One command for the benchmark harness: installs wrk and nginx-light when missing, then runs
# benchmarks/harness.py pinned to the load CPU. Options are the harness's (see --help):
#   benchmarks/run.sh                 full run (~3-4 min): baselines + default systems
#   benchmarks/run.sh --quick         smoke run, results into benchmarks/results/tmp/
#   benchmarks/run.sh --only stream_500 --systems gateway,gateway-3targets --config my.toml
# Only 127.0.0.1 traffic. Everything started is stopped on exit, error or interrupt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx-light)
command -v taskset >/dev/null 2>&1 || need_pkgs+=(util-linux)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: missing ${need_pkgs[*]}; run as root or: sudo apt-get install -y ${need_pkgs[*]}" >&2
        exit 2
    fi
    echo "run.sh: installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" \
        || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}"; }
    # The package's own nginx service is not ours to run: stop it if the install started it.
    if printf '%s\n' "${need_pkgs[@]}" | grep -qx nginx-light; then
        (command -v systemctl >/dev/null && systemctl stop nginx) >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
    fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

PY="${SLUICEGATE_PYTHON:-}"
if [ -z "$PY" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; else PY="$(command -v python3)"; fi
fi
export PATH="$(dirname "$PY"):$PATH"

LOAD_CPU=1
[ "$(nproc)" -ge 2 ] || LOAD_CPU=0

child=""
cleanup() {
    # The harness stops what it started on SIGTERM; this makes sure it gets the signal.
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP

taskset -c "$LOAD_CPU" "$PY" -m benchmarks.harness "$@" &
child=$!
status=0
wait "$child" || status=$?
child=""
exit "$status"
